# program: ssh-agent, ssh-add, ssh-keygen
# exercises: an agent on a path socket; keys added, listed, removed; a signature made by the agent and verified
# needs: ssh-agent ssh-add ssh-keygen
# packages: openssh-client
source "$MATRIX/lib.sh"

ssh-agent -D -a agent.sock > agent.out &
export SSH_AUTH_SOCK=$PWD/agent.sock
# Ready when ssh-add reaches it: exit 1 is "no identities", 2 "cannot connect".
await 20 eval 'ssh-add -l; [ $? -eq 1 ]'

for name in one two; do
  ssh-keygen -q -t ed25519 -N '' -C "key-$name" -f "key-$name"
done

# The agent's replies, one line per key: its type and comment (fingerprints vary per run, so they
# are compared with ssh-keygen's own instead of printed).
list() {
  local listed
  listed=$(ssh-add -l)
  echo "$1: $(wc -l <<< "$listed") keys"
  while read -r bits fingerprint comment type; do
    if [ "$fingerprint" = "$(ssh-keygen -lf "$comment.pub" | cut -d' ' -f2)" ]; then
      same=same
    else
      same=different
    fi
    echo "  $bits $type $comment, fingerprint $same as ssh-keygen -lf"
  done <<< "$listed"
}

listed=$(ssh-add -l)
echo "empty agent: $listed (exit $?)"
ssh-add key-one key-two 2>&1
list "after adding both"
echo "public keys listed by the agent match the files: $(
  [ "$(ssh-add -L)" = "$(cat key-one.pub key-two.pub)" ] && echo yes || echo no)"

ssh-add -d key-two 2>&1
list "after removing key-two"

# A signature made through the agent: only the public key is given to ssh-keygen.
echo "a message for the agent to sign" > message
cp key-one.pub signer-one.pub
ssh-keygen -Y sign -f signer-one.pub -n file message 2> sign.err && echo "signed: $(head -1 message.sig)"
echo "key-one@example $(cat key-one.pub)" > allowed_signers
ssh-keygen -Y verify -f allowed_signers -I key-one@example -n file -s message.sig < message \
  | sed 's/ SHA256:.*//'
echo "a different message" > other
ssh-keygen -Y verify -f allowed_signers -I key-one@example -n file -s message.sig < other > /dev/null 2>&1
echo "verifying another message: exit $?"

# The removed key can no longer sign through the agent.
cp key-two.pub signer-two.pub
cp message message-two
ssh-keygen -Y sign -f signer-two.pub -n file message-two < /dev/null > /dev/null 2> sign-two.err
echo "signing with the removed key: exit $?, signature written: $([ -e message-two.sig ] && echo yes || echo no)"

ssh-add -D 2>&1
listed=$(ssh-add -l)
echo "after removing all: $listed (exit $?)"
