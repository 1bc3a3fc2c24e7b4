// The Go side of the signed-note interoperability test: Go's own
// golang.org/x/mod/sumdb/note checks kpledger's checkpoints and signs one
// for kpledger to check.
//
//	go run note_interop.go verify NOTE VKEYS   exit 0 iff every key signed
//	go run note_interop.go sign DIR ORIGIN     writes DIR/go.note, DIR/go.vkey
package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func verify(notePath, vkeysPath string) {
	msg, err := os.ReadFile(notePath)
	if err != nil {
		fail("%v", err)
	}
	vkeys, err := os.ReadFile(vkeysPath)
	if err != nil {
		fail("%v", err)
	}
	var verifiers []note.Verifier
	for _, line := range strings.Fields(string(vkeys)) {
		v, err := note.NewVerifier(line)
		if err != nil {
			fail("go rejects verifier key %q: %v", line, err)
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fail("go rejects the note: %v", err)
	}
	if len(n.Sigs) != len(verifiers) {
		fail("go verified %d signatures, want %d", len(n.Sigs), len(verifiers))
	}
	fmt.Printf("go verified %d signatures on:\n%s", len(n.Sigs), n.Text)
}

func sign(dir, origin string) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "go.signer.test")
	if err != nil {
		fail("%v", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail("%v", err)
	}
	root := sha256.Sum256([]byte("go root"))
	text := fmt.Sprintf("%s\n42\n%s\n", origin, base64.StdEncoding.EncodeToString(root[:]))
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		fail("%v", err)
	}
	if err := os.WriteFile(dir+"/go.note", msg, 0o644); err != nil {
		fail("%v", err)
	}
	if err := os.WriteFile(dir+"/go.vkey", []byte(vkey+"\n"), 0o644); err != nil {
		fail("%v", err)
	}
}

func main() {
	switch {
	case len(os.Args) == 4 && os.Args[1] == "verify":
		verify(os.Args[2], os.Args[3])
	case len(os.Args) == 4 && os.Args[1] == "sign":
		sign(os.Args[2], os.Args[3])
	default:
		fail("usage: note_interop verify NOTE VKEYS | sign DIR ORIGIN")
	}
}
