package tiles

import (
	"container/list"
	"sync"
)

// lru is a cache of encoded tiles bounded both in entries and in bytes: the
// entry bound keeps bookkeeping small, the byte bound keeps memory
// predictable whatever the tile sizes (an MBTiles photo tile can weigh 50 KB,
// a rendered sea tile 300 bytes).
type lru struct {
	mu         sync.Mutex
	maxEntries int
	maxBytes   int64
	bytes      int64
	order      *list.List // front = most recently used
	items      map[Coord]*list.Element
}

type entry struct {
	key  Coord
	tile Tile
	etag string
}

func newLRU(maxEntries int, maxBytes int64) *lru {
	return &lru{maxEntries: maxEntries, maxBytes: maxBytes, order: list.New(), items: map[Coord]*list.Element{}}
}

func (c *lru) get(k Coord) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return entry{}, false
	}
	c.order.MoveToFront(el)
	return *el.Value.(*entry), true
}

func (c *lru) add(e entry) {
	size := int64(len(e.tile.Data))
	if c.maxEntries <= 0 || size > c.maxBytes {
		return // a tile larger than the whole cache is served, not kept
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		c.bytes -= int64(len(el.Value.(*entry).tile.Data))
		el.Value = &e
		c.order.MoveToFront(el)
	} else {
		c.items[e.key] = c.order.PushFront(&e)
	}
	c.bytes += size
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		old := c.order.Back()
		oe := old.Value.(*entry)
		c.order.Remove(old)
		delete(c.items, oe.key)
		c.bytes -= int64(len(oe.tile.Data))
	}
}

// stats returns the number of entries and bytes held.
func (c *lru) stats() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}
