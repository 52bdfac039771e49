package redfish

import "net/http"

func ref(id string) map[string]string { return map[string]string{"@odata.id": id} }

func collection(id string, members ...string) map[string]any {
	ms := make([]map[string]string, len(members))
	for i, m := range members {
		ms[i] = ref(m)
	}
	return map[string]any{"@odata.id": id, "Members": ms, "Members@odata.count": len(ms)}
}

func (f *Fake) serviceRoot(versions bool) map[string]any {
	if versions {
		return map[string]any{"v1": root}
	}
	return map[string]any{
		"@odata.id": root, "@odata.type": "#ServiceRoot.v1_5_0.ServiceRoot", "Id": "RootService",
		"Name": "Slipway FAKE Redfish service", "RedfishVersion": "1.11.0",
		"Systems": ref("/redfish/v1/Systems"), "Managers": ref("/redfish/v1/Managers"),
		"Chassis": ref("/redfish/v1/Chassis"), "SessionService": ref("/redfish/v1/SessionService"),
		"Links": map[string]any{"Sessions": ref(sessions)},
	}
}

func (f *Fake) get(w http.ResponseWriter, path string) {
	f.mu.Lock()
	st := f.st
	f.mu.Unlock()
	var v any
	switch path {
	case "/redfish/v1/Systems":
		v = collection(path, system)
	case system:
		v = f.system(st)
	case "/redfish/v1/Managers":
		v = collection(path, manager)
	case manager:
		v = map[string]any{"@odata.id": manager, "@odata.type": "#Manager.v1_10_0.Manager", "Id": "1", "Name": "Manager",
			"ManagerType": "BMC", "FirmwareVersion": "fake-1.0.0", "Status": map[string]string{"State": "Enabled", "Health": "OK"},
			"VirtualMedia": ref(manager + "/VirtualMedia"), "Links": map[string]any{"ManagerForServers": []any{ref(system)}}}
	case manager + "/VirtualMedia":
		v = collection(path, cd)
	case cd:
		v = map[string]any{"@odata.id": cd, "@odata.type": "#VirtualMedia.v1_3_0.VirtualMedia", "Id": "CD1", "Name": "Virtual CD",
			"MediaTypes": []string{"CD", "DVD"}, "Image": st.MediaImage, "Inserted": st.Inserted, "WriteProtected": true,
			"Actions": map[string]any{
				"#VirtualMedia.InsertMedia": map[string]string{"target": cd + "/Actions/VirtualMedia.InsertMedia"},
				"#VirtualMedia.EjectMedia":  map[string]string{"target": cd + "/Actions/VirtualMedia.EjectMedia"}}}
	case "/redfish/v1/Chassis":
		v = collection(path, chassis)
	case chassis:
		v = map[string]any{"@odata.id": chassis, "Id": "1", "Name": "Chassis", "ChassisType": "RackMount",
			"Manufacturer": "Slipway", "Model": "FakeRedfish"}
	case "/redfish/v1/SessionService":
		v = map[string]any{"@odata.id": path, "Id": "SessionService", "ServiceEnabled": true, "Sessions": ref(sessions)}
	default:
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	f.json(w, v)
}

func (f *Fake) system(st State) map[string]any {
	return map[string]any{
		"@odata.id": system, "@odata.type": "#ComputerSystem.v1_10_0.ComputerSystem", "Id": "1", "Name": "System",
		"Manufacturer": "Slipway", "Model": "FakeRedfish", "SerialNumber": "FAKE0001", "PowerState": st.Power,
		"Boot": map[string]any{
			"BootSourceOverrideTarget": st.BootTarget, "BootSourceOverrideEnabled": st.BootOnce,
			"BootSourceOverrideMode":                           st.BootMode,
			"BootSourceOverrideTarget@Redfish.AllowableValues": []string{"None", "Pxe", "Hdd", "Cd", "BiosSetup", "UefiHttp"},
		},
		"Actions": map[string]any{"#ComputerSystem.Reset": map[string]any{
			"target": system + "/Actions/ComputerSystem.Reset",
			"ResetType@Redfish.AllowableValues": []string{"On", "ForceOff", "GracefulShutdown", "GracefulRestart",
				"ForceRestart", "PowerCycle", "Nmi", "ForceOn"}}},
		"Links": map[string]any{"ManagedBy": []any{ref(manager)}, "Chassis": []any{ref(chassis)}},
	}
}
