package boot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingPhoneHomer is a fake of the journey service that records calls.
type recordingPhoneHomer struct {
	token  string
	fields map[string]string
	err    error
}

type statusErr int

func (e statusErr) Error() string   { return "refused" }
func (e statusErr) HTTPStatus() int { return int(e) }

func (p *recordingPhoneHomer) PhoneHome(_ context.Context, _, _, token string, fields map[string]string) error {
	p.token, p.fields = token, fields
	return p.err
}

func TestPhoneHomeRoute(t *testing.T) {
	f := newFixture(t)
	ph := &recordingPhoneHomer{}
	f.srv.phoneHome = ph
	post := func(method, path, ct, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		w := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(w, r)
		return w
	}
	w := post(http.MethodPost, "/boot/phone-home/slwp_abc", "application/x-www-form-urlencoded", "instance_id=i-1&hostname=r1-u05")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "slwp_abc", ph.token)
	assert.Equal(t, map[string]string{"instance_id": "i-1", "hostname": "r1-u05"}, ph.fields)

	assert.Equal(t, http.StatusMethodNotAllowed, post(http.MethodGet, "/boot/phone-home/slwp_abc", "", "").Code)
	assert.Equal(t, http.StatusBadRequest, post(http.MethodPost, "/boot/phone-home/slwp_abc", "application/json", "{}").Code)
	big := "x=" + strings.Repeat("a", maxPhoneHomeBody)
	assert.Equal(t, http.StatusBadRequest, post(http.MethodPost, "/boot/phone-home/slwp_abc", "application/x-www-form-urlencoded", big).Code)

	ph.err = statusErr(http.StatusNotFound)
	assert.Equal(t, http.StatusNotFound, post(http.MethodPost, "/boot/phone-home/slwp_old", "", "").Code)
	ph.err = errors.New("disk full")
	w = post(http.MethodPost, "/boot/phone-home/slwp_x", "", "")
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.NotContains(t, w.Body.String(), "disk full", "internal errors are logged, not answered")
}
