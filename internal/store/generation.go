package store

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Rows of the generations table.
const (
	// inventoryGeneration is bumped by every committed transaction that
	// wrote machines or inventory objects.
	inventoryGeneration = "inventory"
	// prunedGeneration: inventory_changes holds every change made after it.
	prunedGeneration = "inventory-pruned"
)

// Change log retention: every pruneEvery generations, changes older than
// keepGenerations are dropped (a reader that far behind rebuilds fully).
const (
	pruneEvery      = 256
	keepGenerations = 4096
	changeBatch     = 200 // rows per INSERT
)

// InventoryGeneration returns a number that changes whenever a committed
// transaction has written machines or inventory objects, in this process or
// any other sharing the database. Readers key caches of derived data (the
// encoded machine list) on it: one indexed row read tells whether the cache
// is still good.
func (tx *Tx) InventoryGeneration() (int64, error) {
	return tx.generation(inventoryGeneration)
}

// MachinesChangedSince returns the names of the machines whose row or
// Machine object was written after generation since (created, updated or
// deleted), in name order. ok is false when the change log no longer reaches
// back that far: the caller must then read every machine.
func (tx *Tx) MachinesChangedSince(since int64) (names []string, ok bool, err error) {
	pruned, err := tx.generation(prunedGeneration)
	if err != nil || since < pruned {
		return nil, false, err
	}
	rows, err := tx.query("SELECT DISTINCT name FROM inventory_changes WHERE generation > ? ORDER BY name", since)
	if err != nil {
		return nil, false, fmt.Errorf("machines changed since %d: %w", since, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, false, fmt.Errorf("machines changed since %d: %w", since, err)
		}
		names = append(names, n)
	}
	return names, true, rows.Err()
}

func (tx *Tx) generation(name string) (int64, error) {
	var v int64
	if err := tx.queryRow("SELECT value FROM generations WHERE name = ?", name).Scan(&v); err != nil {
		return 0, fmt.Errorf("generation %s: %w", name, err)
	}
	return v, nil
}

// recordGeneration runs just before commit of a transaction that wrote the
// inventory: it bumps the generation, logs the changed machines under it and
// now and then prunes the log.
func (tx *Tx) recordGeneration() error {
	var gen int64
	err := tx.queryRow("UPDATE generations SET value = value + 1 WHERE name = ? RETURNING value", inventoryGeneration).Scan(&gen)
	if err != nil {
		return fmt.Errorf("store: bump inventory generation: %w", err)
	}
	names := slices.Sorted(maps.Keys(tx.changed))
	for chunk := range slices.Chunk(names, changeBatch) {
		args := make([]any, 0, 2*len(chunk))
		for _, n := range chunk {
			args = append(args, gen, n)
		}
		q := "INSERT INTO inventory_changes (generation, name) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)), ", ")
		if _, err := tx.exec(q, args...); err != nil {
			return fmt.Errorf("store: log inventory changes: %w", err)
		}
	}
	if gen%pruneEvery != 0 || gen <= keepGenerations {
		return nil
	}
	floor := gen - keepGenerations
	if _, err := tx.exec("DELETE FROM inventory_changes WHERE generation <= ?", floor); err != nil {
		return fmt.Errorf("store: prune inventory changes: %w", err)
	}
	if _, err := tx.exec("UPDATE generations SET value = ? WHERE name = ?", floor, prunedGeneration); err != nil {
		return fmt.Errorf("store: prune inventory changes: %w", err)
	}
	return nil
}
