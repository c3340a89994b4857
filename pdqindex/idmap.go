package pdqindex

// idMap maps an external id to its slot. It is an open-addressing table
// with linear probing and backward-shift deletion, in two flat arrays
// (12 bytes a slot, at most 3/4 full): at 10 million ids it takes 192 MB
// where a Go map[uint64]uint32 takes noticeably more.
type idMap struct {
	keys  []uint64
	vals  []uint32 // slot+1; 0 marks an empty cell
	n     int
	shift uint
}

func (m *idMap) init(capacity int) {
	size := 16
	for size*3/4 < capacity {
		size *= 2
	}
	m.keys = make([]uint64, size)
	m.vals = make([]uint32, size)
	m.n = 0
	m.shift = 64
	for s := size; s > 1; s >>= 1 {
		m.shift--
	}
}

func (m *idMap) home(k uint64) int {
	return int((k * 0x9E3779B97F4A7C15) >> m.shift)
}

func (m *idMap) get(k uint64) (uint32, bool) {
	if len(m.keys) == 0 {
		return 0, false
	}
	mask := len(m.keys) - 1
	for i := m.home(k); ; i = (i + 1) & mask {
		v := m.vals[i]
		if v == 0 {
			return 0, false
		}
		if m.keys[i] == k {
			return v - 1, true
		}
	}
}

func (m *idMap) set(k uint64, slot uint32) {
	if (m.n+1)*4 > len(m.keys)*3 {
		m.grow()
	}
	mask := len(m.keys) - 1
	for i := m.home(k); ; i = (i + 1) & mask {
		if m.vals[i] == 0 {
			m.keys[i], m.vals[i] = k, slot+1
			m.n++
			return
		}
		if m.keys[i] == k {
			m.vals[i] = slot + 1
			return
		}
	}
}

func (m *idMap) grow() {
	keys, vals := m.keys, m.vals
	m.init(2 * max(m.n, 8))
	for i, v := range vals {
		if v != 0 {
			m.set(keys[i], v-1)
		}
	}
}

func (m *idMap) del(k uint64) bool {
	if len(m.keys) == 0 {
		return false
	}
	mask := len(m.keys) - 1
	i := m.home(k)
	for {
		if m.vals[i] == 0 {
			return false
		}
		if m.keys[i] == k {
			break
		}
		i = (i + 1) & mask
	}
	// Backward-shift deletion: move later entries of the run into the hole
	// when their home position allows it.
	for j := (i + 1) & mask; m.vals[j] != 0; j = (j + 1) & mask {
		h := m.home(m.keys[j])
		// The entry at j may move to i if i lies cyclically in [h, j).
		if (j-h)&mask >= (j-i)&mask {
			m.keys[i], m.vals[i] = m.keys[j], m.vals[j]
			i = j
		}
	}
	m.keys[i], m.vals[i] = 0, 0
	m.n--
	return true
}
