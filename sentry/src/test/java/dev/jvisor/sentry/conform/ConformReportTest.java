package dev.jvisor.sentry.conform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the report says of two outputs that differ. */
class ConformReportTest {
    @Test
    void aDifferentLineIsShownFromBothRuns() {
        assertEquals("""
                      first different line, 2:
                        Linux:  b
                        jvisor: c
                """, ConformReport.firstDifference("a\nb\n", "a\nc\n"));
    }

    @Test
    void anOutputThatEndsEarlierShowsItsEnd() {
        assertEquals("""
                      first different line, 2:
                        Linux:  b
                        jvisor: (end of output)
                """, ConformReport.firstDifference("a\nb\n", "a\n"));
    }

    /** String.lines() does not see a missing final newline or a carriage return: the report says so. */
    @Test
    void outputsWithTheSameLinesAreToldApartByTheirEnds() {
        assertEquals("""
                      every line the same (2), told apart by their ends:
                        Linux:  4 characters, a final newline
                        jvisor: 3 characters, no final newline
                """, ConformReport.firstDifference("a\nb\n", "a\nb"));
        assertEquals("""
                      every line the same (1), told apart by their ends:
                        Linux:  2 characters, a final newline
                        jvisor: 3 characters, a final newline, 1 carriage returns
                """, ConformReport.firstDifference("a\n", "a\r\n"));
    }
}
