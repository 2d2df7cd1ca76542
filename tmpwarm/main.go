package main

import (
	_ "github.com/CycloneDX/cyclonedx-go"
	_ "github.com/chromedp/chromedp"
	_ "github.com/cloudflare/circl/sign/mldsa/mldsa65"
	_ "github.com/gaissmai/bart"
	_ "github.com/gopacket/gopacket/layers"
	_ "github.com/gopacket/gopacket/pcapgo"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/nats-io/nats-server/v2/server"
	_ "github.com/nats-io/nats.go/jetstream"
	_ "github.com/package-url/packageurl-go"
	_ "github.com/pressly/goose/v3"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/spdx/tools-golang/json"
	_ "github.com/spdx/tools-golang/tagvalue"
	_ "github.com/spf13/cobra"
	_ "github.com/transparency-dev/tessera"
	_ "github.com/transparency-dev/tessera/storage/posix"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/mod/sumdb/note"
	_ "golang.org/x/mod/sumdb/tlog"
	_ "gopkg.in/yaml.v3"
	_ "modernc.org/sqlite"
	_ "www.velocidex.com/golang/evtx"
)

func main() {}
