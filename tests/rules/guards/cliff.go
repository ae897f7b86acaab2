// Annotated target for the cliff pack's guards (Go), checked as `internal/payments/client.go`.
package payments

import (
	"crypto/tls"
	"net/http"
)

func insecureClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		// ruleid: cliff/tls-verify-disabled-go
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true},
	}}
}

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		// ok: cliff/tls-verify-disabled-go
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},
	}}
}

func configure(cfg *tls.Config, strict bool) {
	if strict {
		// ok: cliff/tls-verify-disabled-go
		cfg.InsecureSkipVerify = false
		return
	}
	// ruleid: cliff/tls-verify-disabled-go
	cfg.InsecureSkipVerify = true
	// ok: cliff/tls-verify-disabled-go
	println("InsecureSkipVerify: true is never allowed")
}
