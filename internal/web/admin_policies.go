package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/policy"
)

// The policies (/admin/policies): every stored version and which are live now, a new
// version uploaded (typed, pasted or a file) with its problems shown at their line, and
// the diff of two versions of one policy.

// PoliciesData is the policies page's data.
type PoliciesData struct {
	Live   []app.LivePolicy
	Groups []PolicyGroup
	// Draft is the document of a refused upload, to correct; Problem what is wrong with it.
	Draft   string
	Problem *PolicyProblem
}

// PolicyGroup is the versions of one policy id, newest first.
type PolicyGroup struct {
	ID       string
	Versions []PolicyRow
}

// PolicyRow is a version with what it is now and the version before it (0: none).
type PolicyRow struct {
	app.PolicyVersion
	State string // live, scheduled (its effective_from is to come) or superseded
	Prev  int
}

// PolicyProblem is why a document was refused, and where: the document's lines with the
// one it is about marked (Line 0: no line is known).
type PolicyProblem struct {
	Message string
	Line    int
	Lines   []DocLine
}

// DocLine is a numbered line of a document.
type DocLine struct {
	N    int
	Text string
	Bad  bool
}

// maxPolicyUpload bounds what is read of an uploaded document: policy.Parse refuses more
// than 1 MiB with its own message.
const maxPolicyUpload = 1<<20 + 1

// AdminPolicies lists the stored versions and the live chains, with the upload form.
func (pg *Pages) AdminPolicies(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.policiesData(r, v)
	if err != nil {
		return err
	}
	pg.renderPolicies(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) policiesData(r *http.Request, v *Visit) (*PoliciesData, error) {
	all, err := pg.app.PolicyVersions(r.Context(), v.Principal)
	if err != nil {
		return nil, err
	}
	d := &PoliciesData{Live: all.Live}
	now := pg.now()
	for _, pv := range slices.Backward(all.Versions) {
		i := slices.IndexFunc(d.Groups, func(g PolicyGroup) bool { return g.ID == pv.ID })
		if i < 0 {
			d.Groups, i = append(d.Groups, PolicyGroup{ID: pv.ID}), len(d.Groups)
		}
		row := PolicyRow{PolicyVersion: pv, State: "superseded"}
		switch {
		case pv.Live:
			row.State = "live"
		case pv.EffectiveFrom != nil && pv.EffectiveFrom.After(now):
			row.State = "scheduled"
		}
		d.Groups[i].Versions = append(d.Groups[i].Versions, row)
	}
	for _, g := range d.Groups {
		slices.SortFunc(g.Versions, func(a, b PolicyRow) int { return b.Version - a.Version })
		for i := 0; i+1 < len(g.Versions); i++ {
			g.Versions[i].Prev = g.Versions[i+1].Version
		}
	}
	return d, nil
}

func (pg *Pages) renderPolicies(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *PoliciesData) {
	p := pg.page(r, v, "admin.policies.title")
	p.Data = d
	pg.render(w, r, status, "admin_policies", p)
}

// AdminPolicyInstall installs the posted document (field policy: the text area, or a file
// of the same name, which wins) as a new version through the application, which checks it
// against the statutory floor. A refused document comes back with the problem at its line.
func (pg *Pages) AdminPolicyInstall(w http.ResponseWriter, r *http.Request, v *Visit) error {
	doc, err := policyUpload(r)
	if err != nil {
		return err
	}
	problem := &FormProblem{Fields: map[string]string{}}
	var refused error
	if len(bytes.TrimSpace(doc)) == 0 {
		problem.Message, _ = pg.cat.Message(v.Lang, "admin.policy.empty")
	} else {
		installed, err := pg.app.InstallPolicy(r.Context(), v.Principal, doc)
		if err == nil {
			seeOther(w, "/admin/policies?done=policy_installed&lang="+string(v.Lang)+"#policy-"+installed.ID)
			return nil
		}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
		if len(problem.Fields) > 0 { // the parser's own words, rather than "invalid fields"
			var msgs []string
			for _, m := range problem.Fields {
				msgs = append(msgs, m)
			}
			slices.Sort(msgs)
			problem.Message = strings.Join(msgs, "; ")
		}
		refused, problem.Message = err, policyMessage(v.Lang, err, problem.Message)
	}
	d, err := pg.policiesData(r, v)
	if err != nil {
		return err
	}
	d.Draft = string(doc)
	d.Problem = &PolicyProblem{Message: problem.Message, Line: policyErrorLine(refused)}
	for i, line := range splitLines(d.Draft) {
		d.Problem.Lines = append(d.Problem.Lines, DocLine{N: i + 1, Text: line, Bad: i+1 == d.Problem.Line})
	}
	pg.renderPolicies(w, r, v, http.StatusUnprocessableEntity, d)
	return nil
}

// policyUpload is the posted document: the file of field policy when one was chosen, else
// the text of the field (whose CRLF line ends, as browsers send a text area's, become LF).
func policyUpload(r *http.Request) ([]byte, error) {
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["policy"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			f, err := fh.Open()
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return io.ReadAll(io.LimitReader(f, maxPolicyUpload))
		}
	}
	return []byte(strings.ReplaceAll(r.PostForm.Get("policy"), "\r\n", "\n")), nil
}

// policyErrorLine is the line of the document the error is about, 0 when unknown.
func policyErrorLine(err error) int {
	var pe *policy.ParseError
	var fe *policy.FloorError
	switch {
	case errors.As(err, &pe):
		return pe.Line
	case errors.As(err, &fe):
		return fe.Line
	}
	return 0
}

// policyMessage is what to say of a refused document: a floor's refusal in both languages,
// the parser's words (English, naming the document's keys) otherwise.
func policyMessage(l Lang, err error, msg string) string {
	var fe *policy.FloorError
	if errors.As(err, &fe) {
		return fe.Field + ": " + l.Pick(fe.Message)
	}
	return msg
}

// DiffData is the diff page's data.
type DiffData struct {
	ID             string
	From, To       app.PolicyVersion
	Versions       []int
	Lines          []DiffLine
	Added, Removed int
}

// AdminPolicyDiff shows the changes from one version of a policy to another (?from=&to=;
// by default the latest and the one before it).
func (pg *Pages) AdminPolicyDiff(w http.ResponseWriter, r *http.Request, v *Visit) error {
	all, err := pg.app.PolicyVersions(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var versions []app.PolicyVersion
	for _, pv := range all.Versions {
		if pv.ID == id {
			versions = append(versions, pv)
		}
	}
	if len(versions) == 0 {
		return &app.Error{Code: app.CodeNotFound, Message: pg.cat.Text("admin.policy.not_found", id)}
	}
	slices.SortFunc(versions, func(a, b app.PolicyVersion) int { return a.Version - b.Version })
	d := &DiffData{ID: id, To: versions[len(versions)-1], From: versions[max(0, len(versions)-2)]}
	for _, side := range []struct {
		param string
		into  *app.PolicyVersion
	}{{"from", &d.From}, {"to", &d.To}} {
		s := r.URL.Query().Get(side.param)
		if s == "" {
			continue
		}
		n, _ := strconv.Atoi(s)
		i := slices.IndexFunc(versions, func(pv app.PolicyVersion) bool { return pv.Version == n })
		if i < 0 {
			return &app.Error{Code: app.CodeNotFound, Message: pg.cat.Text("admin.policy.no_version", id, s)}
		}
		*side.into = versions[i]
	}
	for _, pv := range versions {
		d.Versions = append(d.Versions, pv.Version)
	}
	lines := lineDiff(splitLines(d.From.Document), splitLines(d.To.Document))
	for _, l := range lines {
		switch l.Kind {
		case "add":
			d.Added++
		case "del":
			d.Removed++
		}
	}
	d.Lines = withContext(lines, 3)
	p := pg.page(r, v, "admin.diff.title", d.From.Key, d.To.Key)
	p.Data = d
	pg.render(w, r, http.StatusOK, "admin_diff", p)
	return nil
}
