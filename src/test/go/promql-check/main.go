// promql-check parses PromQL expressions with Prometheus' own parser and tells, for each, its
// parse error or the metric names it selects. The dashboard tests use it to prove that every
// panel's query is valid PromQL and to learn which metrics the dashboard needs from a scrape.
//
// Input (stdin): a JSON array of strings, or else one expression per non-empty line.
// Output (stdout): a JSON array, one object per expression in input order:
//
//	{"expr": "...", "metrics": ["a", "b"]}   or   {"expr": "...", "error": "..."}
//
// Exit code: 0 when every expression parses, 1 when one does not, 2 when the input is unreadable.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type result struct {
	Expr    string   `json:"expr"`
	Metrics []string `json:"metrics,omitempty"`
	Error   string   `json:"error,omitempty"`
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "promql-check: cannot read stdin:", err)
		os.Exit(2)
	}
	exprs, err := expressions(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "promql-check:", err)
		os.Exit(2)
	}
	p := parser.NewParser(parser.Options{})
	results := make([]result, 0, len(exprs))
	failed := false
	for _, e := range exprs {
		r := result{Expr: e}
		expr, err := p.ParseExpr(e)
		if err != nil {
			r.Error = strings.ReplaceAll(err.Error(), "\n", "; ")
			failed = true
		} else {
			r.Metrics = metricNames(expr)
		}
		results = append(results, r)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "promql-check: cannot write stdout:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// expressions reads a JSON array of strings, or one expression per non-empty line.
func expressions(in []byte) ([]string, error) {
	trimmed := bytes.TrimSpace(in)
	if bytes.HasPrefix(trimmed, []byte("[")) {
		var list []string
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return nil, fmt.Errorf("the input starts with [ but is not a JSON array of strings: %v", err)
		}
		return list, nil
	}
	var list []string
	sc := bufio.NewScanner(bytes.NewReader(in))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			list = append(list, line)
		}
	}
	return list, sc.Err()
}

// metricNames are the names the expression's vector and matrix selectors select, sorted, once each.
func metricNames(expr parser.Expr) []string {
	seen := map[string]bool{}
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		if name == "" {
			for _, m := range vs.LabelMatchers {
				if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
		}
		if name != "" {
			seen[name] = true
		}
		return nil
	})
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
