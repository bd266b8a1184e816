package upstream

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSConfig is how the client checks the upstream's certificate: against
// the CAs of caFile when given (VB365 servers are usually self-signed), for
// serverName when set (the URL names an IP address, say), or, when insecure,
// not at all.
func TLSConfig(caFile, serverName string, insecure bool) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName, InsecureSkipVerify: insecure}
	if caFile == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca-file: %s holds no PEM certificate", caFile)
	}
	conf.RootCAs = pool
	return conf, nil
}
