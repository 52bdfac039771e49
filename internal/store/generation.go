package store

import "fmt"

// inventoryGeneration names the generations row bumped by every committed
// transaction that wrote machines or inventory objects.
const inventoryGeneration = "inventory"

// InventoryGeneration returns a number that changes whenever a committed
// transaction has written machines or inventory objects, in this process or
// any other sharing the database. Readers key caches of derived data (the
// encoded machine list) on it: one indexed row read tells whether the cache
// is still good.
func (tx *Tx) InventoryGeneration() (int64, error) {
	var v int64
	if err := tx.queryRow("SELECT value FROM generations WHERE name = ?", inventoryGeneration).Scan(&v); err != nil {
		return 0, fmt.Errorf("inventory generation: %w", err)
	}
	return v, nil
}
