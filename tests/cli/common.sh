# Which example PKI key signs a message: chosen by the message's Sender. Sourced by the CLI suites.
# signer_of FILE -> prints the PKI base name (ludza, talsi, visc)
signer_of() {
    case "$(sed -n 's:.*<env\:Sender>\([0-9]*\)</env\:Sender>.*:\1:p' "$1")" in
    90000017453) echo ludza ;;
    90009113532) echo talsi ;;
    90001800413) echo visc ;;
    *) echo unknown ;;
    esac
}
