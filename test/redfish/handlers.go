package redfish

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

const (
	root     = "/redfish/v1/"
	system   = "/redfish/v1/Systems/1"
	manager  = "/redfish/v1/Managers/1"
	cd       = "/redfish/v1/Managers/1/VirtualMedia/CD1"
	chassis  = "/redfish/v1/Chassis/1"
	sessions = "/redfish/v1/SessionService/Sessions"
)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fault, slow := f.fault, f.slow
	f.st.Requests++
	f.mu.Unlock()
	if fault == FaultSlow {
		time.Sleep(slow)
	}
	if fault == FaultMalformed {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"@odata.id": "/redfish/v1/", "RedfishVersion": 1.11.0}`))
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path == "/redfish/v1" || path == "/redfish" {
		f.json(w, f.serviceRoot(r.URL.Path == "/redfish"))
		return
	}
	if path == sessions && r.Method == http.MethodPost {
		f.login(w, r)
		return
	}
	if !f.authorized(r, fault) {
		w.Header().Set("WWW-Authenticate", `Basic realm="fake-redfish"`)
		http.Error(w, `{"error":{"message":"unauthorized"}}`, http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	f.st.Active++
	f.st.MaxActive = max(f.st.MaxActive, f.st.Active)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.st.Active--; f.mu.Unlock() }()
	f.route(w, r, path, fault)
}

func (f *Fake) route(w http.ResponseWriter, r *http.Request, path, fault string) {
	switch {
	case r.Method == http.MethodGet:
		f.get(w, path)
	case r.Method == http.MethodPatch && path == system:
		f.patchBoot(w, r)
	case r.Method == http.MethodPost && path == system+"/Actions/ComputerSystem.Reset":
		f.reset(w, r, fault)
	case r.Method == http.MethodPost && path == cd+"/Actions/VirtualMedia.InsertMedia":
		f.insert(w, r)
	case r.Method == http.MethodPost && path == cd+"/Actions/VirtualMedia.EjectMedia":
		f.mu.Lock()
		f.st.MediaImage, f.st.Inserted = "", false
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && strings.HasPrefix(path, sessions+"/"):
		f.mu.Lock()
		delete(f.sessions, strings.TrimPrefix(path, sessions+"/"))
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
	}
}

func (f *Fake) authorized(r *http.Request, fault string) bool {
	if fault == FaultRefuseAuth {
		return false
	}
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.sessions[tok]
	}
	u, p, ok := r.BasicAuth()
	return ok && u == f.Username && p == f.Password
}

func (f *Fake) login(w http.ResponseWriter, r *http.Request) {
	var req struct{ UserName, Password string }
	f.mu.Lock()
	refuse := f.fault == FaultRefuseAuth
	f.mu.Unlock()
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || refuse || req.UserName != f.Username || req.Password != f.Password {
		http.Error(w, `{"error":{"message":"invalid credentials"}}`, http.StatusUnauthorized)
		return
	}
	tok := newToken()
	f.mu.Lock()
	f.sessions[tok] = true
	f.mu.Unlock()
	w.Header().Set("X-Auth-Token", tok)
	w.Header().Set("Location", sessions+"/"+tok)
	w.WriteHeader(http.StatusCreated)
	f.write(w, map[string]any{"@odata.id": sessions + "/" + tok, "Id": tok, "UserName": req.UserName})
}

func (f *Fake) reset(w http.ResponseWriter, r *http.Request, fault string) {
	var req struct{ ResetType string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad body"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if fault != FaultIgnorePower {
		switch req.ResetType {
		case "On", "ForceOn":
			f.st.Power = "On"
		case "ForceOff", "GracefulShutdown":
			f.st.Power = "Off"
		case "ForceRestart", "GracefulRestart", "PowerCycle":
			f.st.Power = "On"
			f.st.Resets++
		case "Nmi":
		default:
			http.Error(w, `{"error":{"message":"unsupported ResetType"}}`, http.StatusBadRequest)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *Fake) patchBoot(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Boot struct{ BootSourceOverrideTarget, BootSourceOverrideEnabled, BootSourceOverrideMode string }
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad body"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	b := req.Boot
	if b.BootSourceOverrideTarget != "" {
		f.st.BootTarget = b.BootSourceOverrideTarget
	}
	if b.BootSourceOverrideEnabled != "" {
		f.st.BootOnce = b.BootSourceOverrideEnabled
	}
	if b.BootSourceOverrideMode != "" {
		f.st.BootMode = b.BootSourceOverrideMode
	}
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (f *Fake) insert(w http.ResponseWriter, r *http.Request) {
	var req struct{ Image string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Image == "" {
		http.Error(w, `{"error":{"message":"Image required"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.st.MediaImage, f.st.Inserted = req.Image, true
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (f *Fake) json(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	f.write(w, v)
}

func (f *Fake) write(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }
