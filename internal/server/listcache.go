package server

import "sync"

// listCacheEntries bounds how many differently-filtered machine lists are
// kept (each is a few MB at 10,000 machines).
const listCacheEntries = 4

// listCache keeps encoded GET /machines responses for one inventory
// generation: while no machine or inventory object changes, a list is
// answered from memory instead of reading and encoding every row again.
// Any committed write of machines or objects (in any process sharing the
// database) moves the generation and empties the cache on the next read.
type listCache struct {
	mu      sync.Mutex
	gen     int64
	entries map[string][]byte // raw query string → response body
	order   []string          // insertion order, for eviction
}

// get returns the body cached for query at generation gen.
func (c *listCache) get(gen int64, query string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil, false
	}
	b, ok := c.entries[query]
	return b, ok
}

// put caches body for query at generation gen, dropping entries of older
// generations and the oldest entry beyond listCacheEntries. A body computed
// at an older generation than the cache holds is not kept.
func (c *listCache) put(gen int64, query string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen < c.gen:
		return
	case gen > c.gen || c.entries == nil:
		c.gen, c.entries, c.order = gen, map[string][]byte{}, nil
	}
	if _, ok := c.entries[query]; !ok {
		c.order = append(c.order, query)
	}
	c.entries[query] = body
	if len(c.order) > listCacheEntries {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}
