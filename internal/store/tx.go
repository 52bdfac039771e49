package store

import "time"

// Tx is a transaction. Its methods must not be used after the function
// passed to Update or View returns. Methods that write fail on a View Tx.
type Tx struct {
	txImpl
}

// Now is the transaction's clock (one value per transaction, UTC).
func (tx *Tx) Now() time.Time { return tx.now }

// --- inventory objects ---

// GetObject returns one object or ErrNotFound.
func (tx *Tx) GetObject(kind, name string) (Object, error) { panic("unimplemented") }

// ListObjects returns the objects of kind ("" for all kinds) ordered by kind, name.
func (tx *Tx) ListObjects(kind string) ([]Object, error) { panic("unimplemented") }

// CreateObject inserts o with revision 1 (set on o, with its times); an
// existing object is ErrConflict.
func (tx *Tx) CreateObject(o *Object) error { panic("unimplemented") }

// UpdateObject replaces o's labels and spec if the stored revision equals
// expect, bumping the revision (written back to o); otherwise ErrConflict
// (ErrNotFound when absent).
func (tx *Tx) UpdateObject(o *Object, expect int64) error { panic("unimplemented") }

// DeleteObject deletes the object if its revision equals expect (0: any).
func (tx *Tx) DeleteObject(kind, name string, expect int64) error { panic("unimplemented") }

// --- machines ---

// GetMachine returns a machine by name or ErrNotFound.
func (tx *Tx) GetMachine(name string) (Machine, error) { panic("unimplemented") }

// GetMachineByMAC returns a machine by MAC (any case) or ErrNotFound.
func (tx *Tx) GetMachineByMAC(mac string) (Machine, error) { panic("unimplemented") }

// ListMachines returns machines ordered by name.
func (tx *Tx) ListMachines(f MachineFilter) ([]Machine, error) { panic("unimplemented") }

// CreateMachine inserts m with revision 1; a taken name or MAC is ErrConflict.
func (tx *Tx) CreateMachine(m *Machine) error { panic("unimplemented") }

// UpdateMachine writes m if the stored revision equals expect, bumping it.
func (tx *Tx) UpdateMachine(m *Machine, expect int64) error { panic("unimplemented") }

// DeleteMachine deletes a machine (its events stay).
func (tx *Tx) DeleteMachine(name string) error { panic("unimplemented") }

// CountMachinesByState returns the number of machines in each state.
func (tx *Tx) CountMachinesByState() (map[string]int, error) { panic("unimplemented") }

// --- events ---

// AppendEvent appends e, setting its ID and (when zero) its Time.
func (tx *Tx) AppendEvent(e *Event) error { panic("unimplemented") }

// ListEvents returns events matching f in ascending ID order.
func (tx *Tx) ListEvents(f EventFilter) ([]Event, error) { panic("unimplemented") }

// --- credentials ---

// PutCredential creates or replaces a credential.
func (tx *Tx) PutCredential(c *Credential) error { panic("unimplemented") }

// GetCredential returns a credential or ErrNotFound.
func (tx *Tx) GetCredential(name string) (Credential, error) { panic("unimplemented") }

// ListCredentials returns all credentials ordered by name.
func (tx *Tx) ListCredentials() ([]Credential, error) { panic("unimplemented") }

// DeleteCredential deletes a credential or returns ErrNotFound.
func (tx *Tx) DeleteCredential(name string) error { panic("unimplemented") }

// --- tokens ---

// CreateToken inserts t; a taken ID is ErrConflict.
func (tx *Tx) CreateToken(t *Token) error { panic("unimplemented") }

// GetToken returns a token by ID or ErrNotFound.
func (tx *Tx) GetToken(id string) (Token, error) { panic("unimplemented") }

// ListTokens returns all tokens ordered by creation.
func (tx *Tx) ListTokens() ([]Token, error) { panic("unimplemented") }

// DeleteToken deletes a token or returns ErrNotFound.
func (tx *Tx) DeleteToken(id string) error { panic("unimplemented") }

// --- audit ---

// AppendAudit appends a, setting its ID and (when zero) its Time.
func (tx *Tx) AppendAudit(a *Audit) error { panic("unimplemented") }

// ListAudit returns audit rows matching f in ascending ID order.
func (tx *Tx) ListAudit(f AuditFilter) ([]Audit, error) { panic("unimplemented") }

// --- operations ---

// CreateOperation inserts op.
func (tx *Tx) CreateOperation(op *Operation) error { panic("unimplemented") }

// UpdateOperation writes op's status and message.
func (tx *Tx) UpdateOperation(op *Operation) error { panic("unimplemented") }

// GetOperation returns an operation or ErrNotFound.
func (tx *Tx) GetOperation(id string) (Operation, error) { panic("unimplemented") }

// ListOperations returns a machine's operations ("" for all), newest last.
func (tx *Tx) ListOperations(machine string, limit int) ([]Operation, error) {
	panic("unimplemented")
}
