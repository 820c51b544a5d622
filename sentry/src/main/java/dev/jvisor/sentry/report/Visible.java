package dev.jvisor.sentry.report;

import java.util.List;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Text as a reader can see it on one line: socket names and arguments are the program's
 * bytes (an abstract name may hold NULs), so control characters, lone surrogates and the
 * non-characters U+FFFE and U+FFFF are shown as JSON escapes them (a backslash, {@code u},
 * four hex digits). What is left is also text XML 1.0 allows, which is what the SVG needs.
 */
public final class Visible {
    private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private Visible() {}

    public static String text(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            boolean shown = !(c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xfffe || c == 0xffff
                    || (Character.isSurrogate(c) && !pair));
            if (shown && out == null) continue;
            if (out == null) out = new StringBuilder(text.substring(0, i));
            if (pair) {
                out.append(c).append(text.charAt(++i));
            } else if (shown) {
                out.append(c);
            } else {
                out.append(codeUnit(c));
            }
        }
        return out == null ? text : out.toString();
    }

    /** A UTF-16 code unit as a JSON escape. */
    public static String codeUnit(char c) {
        return String.format("\\u%04x", (int) c);
    }

    /** A command line as a shell user would type it: a word with spaces or quotes in single quotes. */
    public static String words(List<String> words) {
        StringJoiner line = new StringJoiner(" ");
        for (String word : words) {
            String shown = text(word);
            line.add(PLAIN_WORD.matcher(shown).matches() ? shown : "'" + shown.replace("'", "'\\''") + "'");
        }
        return line.toString();
    }
}
