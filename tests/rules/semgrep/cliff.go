// semgrep --test target for rules/semgrep/cliff.yml (Go): production guards turned off.
package payments

import (
	"crypto/tls"
	"net/http"
)

func insecureClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		// ruleid: cliff.tls-verify-disabled-go
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true},
	}}
}

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		// ok: cliff.tls-verify-disabled-go
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},
	}}
}
