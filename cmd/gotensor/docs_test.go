package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"
)

// The README and docs/ are checked like code so that they cannot rot silently: every relative
// link must name a file of the repository, and every `gotensor …` command they quote must be one
// this binary has, with flags it takes.

// repoRoot is where README.md lies, seen from this package's folder (where go test runs).
const repoRoot = "../.."

// TestDocs walks README.md and docs/*.md.
func TestDocs(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	require.NoError(t, err)
	files := append([]string{filepath.Join(repoRoot, "README.md")}, docs...)
	root := docsRoot()
	commands := 0
	for _, file := range files {
		text, err := os.ReadFile(file)
		require.NoError(t, err)
		name, _ := filepath.Rel(repoRoot, file)
		links, quoted := scanMarkdown(string(text))
		for _, l := range links {
			if err := checkLink(filepath.Dir(file), l.text); err != nil {
				t.Errorf("%s:%d: %v", name, l.line, err)
			}
		}
		for _, c := range quoted {
			commands++
			if err := checkCommand(root, c.text); err != nil {
				t.Errorf("%s:%d: %q: %v", name, c.line, c.text, err)
			}
		}
	}
	require.NotZero(t, commands, "no gotensor command found in %v: is the scanner broken?", files)
}

// TestDocsCheckers shows that the checks refuse what they should.
func TestDocsCheckers(t *testing.T) {
	root := docsRoot()
	for _, c := range []struct {
		command string
		ok      bool
	}{
		{"gotensor q subnet supply --node tcp://127.0.0.1:26657", true},
		{"gotensor query subnet subnets -o json", true},
		{"gotensor tx subnet register-network HOTKEY NAME --from alice --keyring-backend test --yes", true},
		{"gotensor yuma epoch < case.json", true},
		{"gotensor q subnet supplyy", false},
		{"gotensor nosuch", false},
		{"gotensor tx subnet register-network HOTKEY NAME --no-such-flag", false},
		{"gotensor q subnet supply -Z", false},
	} {
		err := checkCommand(root, c.command)
		if c.ok {
			require.NoError(t, err, c.command)
		} else {
			require.Error(t, err, c.command)
		}
	}
	links, commands := scanMarkdown("See [the guide](docs/x.md#top) and [site](https://example.com).\n" +
		"Run `gotensor start --home DIR` or `make demo`.\n```\n$ gotensor testnet init-files \\\n  --validators 4 # four homes\ngo test ./...\n```\n")
	require.Equal(t, []quote{{1, "docs/x.md#top"}, {1, "https://example.com"}}, links)
	require.Equal(t, []quote{{2, "gotensor start --home DIR"}, {4, "gotensor testnet init-files --validators 4"}}, commands)
	require.Equal(t, []quote{{7, "gotensor tx bank send alice ARG 1rao --yes"}, {7, "gotensor keys show mine -a"}},
		gotensorCommands(7, "gotensor tx bank send alice $(gotensor keys show mine -a) 1rao --yes"))
	require.NoError(t, checkLink(repoRoot, "README.md#quick-start"))
	require.NoError(t, checkLink(repoRoot, "https://example.com/missing"))
	require.Error(t, checkLink(repoRoot, "docs/no-such-file.md"))
}

// docsRoot is the command tree of the binary, with the global flags main adds.
func docsRoot() *cobra.Command {
	root := newRootCmd()
	addGlobalFlags(root)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	return root
}

// quote is a link target or a command, with the line it starts on.
type quote struct {
	line int
	text string
}

var (
	linkPattern   = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	inlinePattern = regexp.MustCompile("`([^`]+)`")
	commandBreaks = regexp.MustCompile(`&&|\|\||;|\|`)
	substitution  = regexp.MustCompile(`\$\([^()]*\)`)
)

// scanMarkdown finds the link targets outside code blocks and the gotensor commands quoted in code
// blocks (one per line, backslash continuations joined, `$ ` prompts and `#` comments dropped) and
// in inline code.
func scanMarkdown(text string) (links, commands []quote) {
	sc := bufio.NewScanner(strings.NewReader(text))
	inBlock := false
	pending, pendingLine := "", 0
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		if !inBlock {
			for _, m := range linkPattern.FindAllStringSubmatch(line, -1) {
				links = append(links, quote{n, m[1]})
			}
			for _, m := range inlinePattern.FindAllStringSubmatch(line, -1) {
				commands = append(commands, gotensorCommands(n, m[1])...)
			}
			continue
		}
		if pending == "" {
			pendingLine = n
		}
		if cont, ok := strings.CutSuffix(strings.TrimRight(line, " "), "\\"); ok {
			pending += cont + " "
			continue
		}
		commands = append(commands, gotensorCommands(pendingLine, pending+line)...)
		pending = ""
	}
	return links, commands
}

// gotensorCommands are the gotensor commands of one shell line, those in a command substitution
// $(…) included (the substitution stands as one argument of the command around it).
func gotensorCommands(line int, shell string) []quote {
	if i := strings.Index(shell, " #"); i >= 0 {
		shell = shell[:i]
	}
	var parts []string
	shell = substitution.ReplaceAllStringFunc(shell, func(sub string) string {
		parts = append(parts, sub[2:len(sub)-1])
		return "ARG"
	})
	parts = append([]string{shell}, parts...)
	var out []quote
	for _, part := range commandBreaks.Split(strings.Join(parts, ";"), -1) {
		fields := strings.Fields(part)
		if len(fields) > 0 && fields[0] == "$" {
			fields = fields[1:]
		}
		if len(fields) > 0 && (fields[0] == "gotensor" || strings.HasSuffix(fields[0], "/gotensor")) {
			fields[0] = "gotensor"
			out = append(out, quote{line, strings.Join(fields, " ")})
		}
	}
	return out
}

// checkLink requires a relative link to name an existing file or folder (anchors are not checked).
func checkLink(dir, target string) error {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "#") {
		return nil
	}
	path, _, _ := strings.Cut(target, "#")
	if _, err := os.Stat(filepath.Join(dir, path)); err != nil {
		return fmt.Errorf("link %q: %w", target, err)
	}
	return nil
}

// checkCommand requires a quoted command's subcommand path to exist and its `--help` to succeed,
// and every flag it names to be one that command takes. Arguments (placeholders such as HOTKEY)
// are not checked, except that a command with subcommands takes none: there a word is a misspelt
// subcommand.
func checkCommand(root *cobra.Command, command string) error {
	var words []string
	for _, w := range strings.Fields(command)[1:] {
		if strings.HasPrefix(w, "<") || strings.HasPrefix(w, ">") {
			break
		}
		if w != "…" && w != "..." {
			words = append(words, w)
		}
	}
	cmd, path := root, []string{}
	for len(words) > 0 && !strings.HasPrefix(words[0], "-") {
		next := subcommand(cmd, words[0])
		if next == nil {
			break
		}
		cmd, path, words = next, append(path, words[0]), words[1:]
	}
	if len(words) > 0 && !strings.HasPrefix(words[0], "-") && cmd.HasSubCommands() {
		return fmt.Errorf("%q has no subcommand %q", cmd.CommandPath(), words[0])
	}
	for _, w := range words {
		if !strings.HasPrefix(w, "-") || w == "-" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if name == "help" || name == "h" {
			continue
		}
		if !hasFlag(cmd, name, !strings.HasPrefix(w, "--")) {
			return fmt.Errorf("%q takes no flag %s", cmd.CommandPath(), w)
		}
	}
	root.SetArgs(append(path, "--help"))
	if err := root.Execute(); err != nil {
		return fmt.Errorf("%s --help: %w", cmd.CommandPath(), err)
	}
	return nil
}

func subcommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}

func hasFlag(cmd *cobra.Command, name string, short bool) bool {
	if short {
		return cmd.Flags().ShorthandLookup(name) != nil || cmd.InheritedFlags().ShorthandLookup(name) != nil
	}
	return cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil
}
