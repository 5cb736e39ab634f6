#!/bin/sh
# One peer that accepts TLS but never answers must not hold up the others: the centre sends a letter to
# Talsi, whose address is taken by a TLS server that swallows the request (openssl s_server with Talsi's
# certificate, so the identity pin passes), and a letter to Ludza, which must be delivered at once while
# Talsi's attempt is still waiting for its timeout.
# shellcheck source=tests/integration/common.inc
. "$(dirname "$0")/common.inc"
S=isolation

it_pki || { fail "$S/setup" "cannot make the PKI"; finish; }
it_ports
it_config visc "deliver_timeout = 30"
it_config ludza
it_start visc ludza || it_finish "$S"

# the black hole on Talsi's port: completes the handshake, reads, never answers
# (its stdin is a FIFO this shell holds open: at end of input s_server would close the connection)
mkfifo "$WORK/hole.in"
exec 3<>"$WORK/hole.in"
it_bg openssl s_server -quiet -accept "$PORT_talsi" -cert "$WORK/pki/talsi.pem" -cert_chain "$WORK/pki/chain.pem" \
    -key "$WORK/pki/talsi.key.pem" -CAfile "$WORK/pki/trust.pem" -naccept 3 <"$WORK/hole.in" >/dev/null 2>&1
i=0
while ! ss -Htln "sport = :$PORT_talsi" | grep -q .; do
    i=$((i + 1))
    [ $i -gt 100 ] && { fail "$S/setup" "the stand-in for Talsi does not listen"; it_finish "$S"; }
    sleep 0.05
done

tid=$(fresh_copy "$EXAMPLES/letter-invitation.xml" "$WORK/to-talsi.xml")
code=$(it_submit "$WORK/r1" visc "$WORK/to-talsi.xml")
[ "$code" = 202 ] || fail "$S/submit-to-talsi" "HTTP $code: $(snip "$WORK/r1")"
# wait until the centre's attempt to Talsi is under way (the stand-in has a connection)
i=0
while ! ss -Htn state established "sport = :$PORT_talsi" | grep -q .; do
    i=$((i + 1))
    [ $i -gt 100 ] && break
    sleep 0.05
done

sed "s|<env:Recipient>90009113532</env:Recipient>|<env:Recipient>90000017453</env:Recipient>|" \
    "$EXAMPLES/letter-invitation.xml" >"$WORK/letter-ludza.xml"
lid=$(fresh_copy "$WORK/letter-ludza.xml" "$WORK/to-ludza.xml")
t0=$(it_now)
code=$(it_submit "$WORK/r2" visc "$WORK/to-ludza.xml")
if [ "$code" != 202 ]; then
    fail "$S/submit-to-ludza" "HTTP $code: $(snip "$WORK/r2")"
elif ! wait_state visc "$lid" delivered 40 2>"$WORK/ws.err"; then
    fail "$S/other-peer-delivered-while-one-hangs" "$(snip "$WORK/ws.err")"
elif [ $(($(it_now) - t0)) -ge 15 ]; then
    # the hanging attempt holds it for deliver_timeout (30 s): the peers are not independent
    fail "$S/other-peer-delivered-while-one-hangs" "delivered only after $(($(it_now) - t0)) s"
else
    pass "$S/other-peer-delivered-while-one-hangs ($(($(it_now) - t0)) s)"
fi
# and the letter to Talsi is still waiting for its answer (not delivered, not lost)
gw_curl visc visc-client-full "/v1/messages/$tid" >"$WORK/st.json"
case "$(json_field "$WORK/st.json" state)" in
queued | delivering) pass "$S/hanging-peer-message-still-pending" ;;
*) fail "$S/hanging-peer-message-still-pending" "$(snip "$WORK/st.json" 200)" ;;
esac
# end the hanging attempt (the stand-in sees end of input and closes), so the centre's deliverer for Talsi
# stops at once rather than after its timeout
exec 3>&-
it_finish "$S"
