package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Magic opens every GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("gguf: malformed file")

// ValueType is the type tag of a metadata value.
type ValueType uint32

// Metadata value types, as numbered by the format.
const (
	TypeUint8 ValueType = iota
	TypeInt8
	TypeUint16
	TypeInt16
	TypeUint32
	TypeInt32
	TypeFloat32
	TypeBool
	TypeString
	TypeArray
	TypeUint64
	TypeInt64
	TypeFloat64
)

// KV is one metadata entry. Value holds the Go type matching its GGUF type:
// uint8, int8, uint16, int16, uint32, int32, float32, bool, string, uint64,
// int64, float64, or a slice of one of them for an array (nested arrays are
// refused). The Go type decides the GGUF type when written, so a file read
// and written again keeps every type.
type KV struct {
	Key   string
	Value any
}

// Tensor is one named tensor. Dims lists the fastest-varying dimension
// first, as ggml does: a PyTorch [out, in] weight is Dims {in, out}.
type Tensor struct {
	Name string
	Dims []uint64
	Type Type
	Data []byte
}

// Elements is the number of values the tensor holds.
func (t *Tensor) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// File is a whole GGUF file in memory.
type File struct {
	Version   uint32
	Alignment uint64 // data alignment; from general.alignment when present
	KV        []KV   // in file order
	Tensors   []Tensor
}

// Get returns the value under key.
func (f *File) Get(key string) (any, bool) {
	for _, kv := range f.KV {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// Set replaces the value under key or appends it.
func (f *File) Set(key string, value any) {
	for i := range f.KV {
		if f.KV[i].Key == key {
			f.KV[i].Value = value
			return
		}
	}
	f.KV = append(f.KV, KV{key, value})
}

// String returns a string value.
func (f *File) String(key string) (string, error) {
	v, ok := f.Get(key)
	if !ok {
		return "", fmt.Errorf("gguf: metadata %q is missing", key)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("gguf: metadata %q is %T, want a string", key, v)
	}
	return s, nil
}

// Uint returns an integer value of any integer type, refusing negatives.
func (f *File) Uint(key string) (uint64, error) {
	v, ok := f.Get(key)
	if !ok {
		return 0, fmt.Errorf("gguf: metadata %q is missing", key)
	}
	var n int64
	switch x := v.(type) {
	case uint8:
		return uint64(x), nil
	case uint16:
		return uint64(x), nil
	case uint32:
		return uint64(x), nil
	case uint64:
		return x, nil
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	default:
		return 0, fmt.Errorf("gguf: metadata %q is %T, want an integer", key, v)
	}
	if n < 0 {
		return 0, fmt.Errorf("gguf: metadata %q is %d, want a non-negative integer", key, n)
	}
	return uint64(n), nil
}

// Float returns a floating-point value (either width).
func (f *File) Float(key string) (float64, error) {
	v, ok := f.Get(key)
	if !ok {
		return 0, fmt.Errorf("gguf: metadata %q is missing", key)
	}
	switch x := v.(type) {
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	}
	return 0, fmt.Errorf("gguf: metadata %q is %T, want a float", key, v)
}

// Tensor returns the tensor called name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// ReadFile reads and decodes the file at path.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// WriteFile encodes f to path.
func (f *File) WriteFile(path string) error {
	var b bytes.Buffer
	if err := f.Encode(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// reader walks the header, refusing to read past the end.
type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n uint64, what string) ([]byte, error) {
	if n > uint64(len(r.b)-r.off) {
		return nil, fmt.Errorf("%w: %s needs %d bytes at offset %d, the file has %d", ErrFormat, what, n, r.off, len(r.b))
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

func (r *reader) u32(what string) (uint32, error) {
	b, err := r.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) u64(what string) (uint64, error) {
	b, err := r.take(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (r *reader) str(what string) (string, error) {
	n, err := r.u64(what + " length")
	if err != nil {
		return "", err
	}
	b, err := r.take(n, what)
	return string(b), err
}

// Decode parses a whole file. Tensor data aliases b.
func Decode(b []byte) (*File, error) {
	r := &reader{b: b}
	magic, err := r.take(4, "magic")
	if err != nil {
		return nil, err
	}
	if string(magic) != Magic {
		return nil, fmt.Errorf("%w: magic %q, want %q", ErrFormat, magic, Magic)
	}
	f := &File{Alignment: DefaultAlignment}
	if f.Version, err = r.u32("version"); err != nil {
		return nil, err
	}
	if f.Version != 2 && f.Version != 3 {
		return nil, fmt.Errorf("%w: version %d, only 2 and 3 are read (a big-endian file shows a byte-swapped version)", ErrFormat, f.Version)
	}
	nTensors, err := r.u64("tensor count")
	if err != nil {
		return nil, err
	}
	nKV, err := r.u64("metadata count")
	if err != nil {
		return nil, err
	}
	// Every entry takes at least 8 bytes (its key's length), so a count
	// beyond that is a lie told to make us allocate.
	if nKV > uint64(len(b))/8 || nTensors > uint64(len(b))/8 {
		return nil, fmt.Errorf("%w: %d metadata entries and %d tensors cannot fit in %d bytes", ErrFormat, nKV, nTensors, len(b))
	}
	f.KV = make([]KV, 0, nKV)
	for i := uint64(0); i < nKV; i++ {
		key, err := r.str(fmt.Sprintf("metadata key %d", i))
		if err != nil {
			return nil, err
		}
		t, err := r.u32("type of " + key)
		if err != nil {
			return nil, err
		}
		v, err := r.value(ValueType(t), key)
		if err != nil {
			return nil, err
		}
		f.KV = append(f.KV, KV{key, v})
	}
	if v, ok := f.Get("general.alignment"); ok {
		a, err := f.Uint("general.alignment")
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		if a == 0 || a&(a-1) != 0 || a > 1<<20 {
			return nil, fmt.Errorf("%w: general.alignment %v is not a power of two up to 1 MiB", ErrFormat, v)
		}
		f.Alignment = a
	}
	type info struct {
		off  uint64
		size uint64
	}
	infos := make([]info, nTensors)
	f.Tensors = make([]Tensor, nTensors)
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.Name, err = r.str(fmt.Sprintf("tensor %d name", i)); err != nil {
			return nil, err
		}
		nd, err := r.u32("dimension count of " + t.Name)
		if err != nil {
			return nil, err
		}
		if nd == 0 || nd > 4 {
			return nil, fmt.Errorf("%w: tensor %q has %d dimensions, want 1 to 4", ErrFormat, t.Name, nd)
		}
		t.Dims = make([]uint64, nd)
		n := uint64(1)
		for d := range t.Dims {
			if t.Dims[d], err = r.u64("dimension of " + t.Name); err != nil {
				return nil, err
			}
			if t.Dims[d] == 0 || t.Dims[d] > 1<<40 || n > math.MaxInt64/t.Dims[d] {
				return nil, fmt.Errorf("%w: tensor %q has dimensions %v", ErrFormat, t.Name, t.Dims[:d+1])
			}
			n *= t.Dims[d]
		}
		typ, err := r.u32("type of " + t.Name)
		if err != nil {
			return nil, err
		}
		t.Type = Type(typ)
		size, err := t.Type.size(t.Dims)
		if err != nil {
			return nil, fmt.Errorf("%w: tensor %q: %v", ErrFormat, t.Name, err)
		}
		off, err := r.u64("offset of " + t.Name)
		if err != nil {
			return nil, err
		}
		if off%f.Alignment != 0 {
			return nil, fmt.Errorf("%w: tensor %q at offset %d, not a multiple of the alignment %d", ErrFormat, t.Name, off, f.Alignment)
		}
		infos[i] = info{off, size}
	}
	start := align(uint64(r.off), f.Alignment)
	for i := range f.Tensors {
		t, in := &f.Tensors[i], infos[i]
		if in.off > uint64(len(b)) || in.size > uint64(len(b))-start || start+in.size > uint64(len(b))-in.off {
			return nil, fmt.Errorf("%w: tensor %q (%d bytes at data offset %d) runs past the end of the file (%d bytes, data from %d)", ErrFormat, t.Name, in.size, in.off, len(b), start)
		}
		t.Data = b[start+in.off : start+in.off+in.size]
	}
	names := make(map[string]bool, len(f.Tensors))
	for _, t := range f.Tensors {
		if names[t.Name] {
			return nil, fmt.Errorf("%w: tensor %q appears twice", ErrFormat, t.Name)
		}
		names[t.Name] = true
	}
	return f, nil
}

func align(n, a uint64) uint64 { return (n + a - 1) / a * a }

func (r *reader) value(t ValueType, key string) (any, error) {
	scalar := func(size uint64) ([]byte, error) { return r.take(size, "value of "+key) }
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		b, err := scalar(1)
		if err != nil {
			return nil, err
		}
		switch t {
		case TypeUint8:
			return b[0], nil
		case TypeInt8:
			return int8(b[0]), nil
		}
		if b[0] > 1 {
			return nil, fmt.Errorf("%w: bool %q holds %d", ErrFormat, key, b[0])
		}
		return b[0] == 1, nil
	case TypeUint16, TypeInt16:
		b, err := scalar(2)
		if err != nil {
			return nil, err
		}
		v := binary.LittleEndian.Uint16(b)
		if t == TypeInt16 {
			return int16(v), nil
		}
		return v, nil
	case TypeUint32, TypeInt32, TypeFloat32:
		b, err := scalar(4)
		if err != nil {
			return nil, err
		}
		v := binary.LittleEndian.Uint32(b)
		switch t {
		case TypeInt32:
			return int32(v), nil
		case TypeFloat32:
			return math.Float32frombits(v), nil
		}
		return v, nil
	case TypeUint64, TypeInt64, TypeFloat64:
		b, err := scalar(8)
		if err != nil {
			return nil, err
		}
		v := binary.LittleEndian.Uint64(b)
		switch t {
		case TypeInt64:
			return int64(v), nil
		case TypeFloat64:
			return math.Float64frombits(v), nil
		}
		return v, nil
	case TypeString:
		return r.str("value of " + key)
	case TypeArray:
		et, err := r.u32("array type of " + key)
		if err != nil {
			return nil, err
		}
		n, err := r.u64("array length of " + key)
		if err != nil {
			return nil, err
		}
		if ValueType(et) == TypeArray {
			return nil, fmt.Errorf("%w: %q is an array of arrays, which this reader does not support", ErrFormat, key)
		}
		if n > uint64(len(r.b)-r.off) { // every element takes at least one byte
			return nil, fmt.Errorf("%w: array %q claims %d elements, %d bytes remain", ErrFormat, key, n, len(r.b)-r.off)
		}
		return r.array(ValueType(et), int(n), key)
	}
	return nil, fmt.Errorf("%w: %q has value type %d", ErrFormat, key, t)
}

func (r *reader) array(t ValueType, n int, key string) (any, error) {
	switch t {
	case TypeUint8:
		return collect[uint8](r, t, n, key)
	case TypeInt8:
		return collect[int8](r, t, n, key)
	case TypeUint16:
		return collect[uint16](r, t, n, key)
	case TypeInt16:
		return collect[int16](r, t, n, key)
	case TypeUint32:
		return collect[uint32](r, t, n, key)
	case TypeInt32:
		return collect[int32](r, t, n, key)
	case TypeFloat32:
		return collect[float32](r, t, n, key)
	case TypeBool:
		return collect[bool](r, t, n, key)
	case TypeString:
		return collect[string](r, t, n, key)
	case TypeUint64:
		return collect[uint64](r, t, n, key)
	case TypeInt64:
		return collect[int64](r, t, n, key)
	case TypeFloat64:
		return collect[float64](r, t, n, key)
	}
	return nil, fmt.Errorf("%w: array %q has element type %d", ErrFormat, key, t)
}

func collect[T any](r *reader, t ValueType, n int, key string) ([]T, error) {
	out := make([]T, n)
	for i := range out {
		v, err := r.value(t, key)
		if err != nil {
			return nil, err
		}
		out[i] = v.(T)
	}
	return out, nil
}

// Encode writes f as GGUF version 3. Tensors are laid out in order, each
// at the next multiple of the alignment.
func (f *File) Encode(w io.Writer) error {
	a := f.Alignment
	if a == 0 {
		a = DefaultAlignment
	}
	if v, ok := f.Get("general.alignment"); ok {
		n, err := f.Uint("general.alignment")
		if err != nil || n != a {
			return fmt.Errorf("gguf: general.alignment %v disagrees with the file's alignment %d", v, a)
		}
	}
	var h bytes.Buffer
	h.WriteString(Magic)
	le := binary.LittleEndian
	h.Write(le.AppendUint32(nil, 3))
	h.Write(le.AppendUint64(nil, uint64(len(f.Tensors))))
	h.Write(le.AppendUint64(nil, uint64(len(f.KV))))
	for _, kv := range f.KV {
		writeString(&h, kv.Key)
		if err := writeValue(&h, kv.Key, kv.Value, true); err != nil {
			return err
		}
	}
	off := uint64(0)
	for i := range f.Tensors {
		t := &f.Tensors[i]
		size, err := t.Type.size(t.Dims)
		if err != nil {
			return fmt.Errorf("gguf: tensor %q: %v", t.Name, err)
		}
		if len(t.Dims) == 0 || len(t.Dims) > 4 {
			return fmt.Errorf("gguf: tensor %q has %d dimensions, want 1 to 4", t.Name, len(t.Dims))
		}
		if uint64(len(t.Data)) != size {
			return fmt.Errorf("gguf: tensor %q holds %d bytes, its type and dimensions need %d", t.Name, len(t.Data), size)
		}
		writeString(&h, t.Name)
		h.Write(le.AppendUint32(nil, uint32(len(t.Dims))))
		for _, d := range t.Dims {
			h.Write(le.AppendUint64(nil, d))
		}
		h.Write(le.AppendUint32(nil, uint32(t.Type)))
		h.Write(le.AppendUint64(nil, off))
		off = align(off+size, a)
	}
	h.Write(make([]byte, align(uint64(h.Len()), a)-uint64(h.Len())))
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	for _, t := range f.Tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
		if pad := align(uint64(len(t.Data)), a) - uint64(len(t.Data)); pad > 0 {
			if _, err := w.Write(make([]byte, pad)); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeString(b *bytes.Buffer, s string) {
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(s))))
	b.WriteString(s)
}

func writeValue(b *bytes.Buffer, key string, v any, tagged bool) error {
	le := binary.LittleEndian
	tag := func(t ValueType) {
		if tagged {
			b.Write(le.AppendUint32(nil, uint32(t)))
		}
	}
	switch x := v.(type) {
	case uint8:
		tag(TypeUint8)
		b.WriteByte(x)
	case int8:
		tag(TypeInt8)
		b.WriteByte(byte(x))
	case uint16:
		tag(TypeUint16)
		b.Write(le.AppendUint16(nil, x))
	case int16:
		tag(TypeInt16)
		b.Write(le.AppendUint16(nil, uint16(x)))
	case uint32:
		tag(TypeUint32)
		b.Write(le.AppendUint32(nil, x))
	case int32:
		tag(TypeInt32)
		b.Write(le.AppendUint32(nil, uint32(x)))
	case float32:
		tag(TypeFloat32)
		b.Write(le.AppendUint32(nil, math.Float32bits(x)))
	case bool:
		tag(TypeBool)
		if x {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
	case string:
		tag(TypeString)
		writeString(b, x)
	case uint64:
		tag(TypeUint64)
		b.Write(le.AppendUint64(nil, x))
	case int64:
		tag(TypeInt64)
		b.Write(le.AppendUint64(nil, uint64(x)))
	case float64:
		tag(TypeFloat64)
		b.Write(le.AppendUint64(nil, math.Float64bits(x)))
	case []uint8:
		return writeArray(b, key, TypeUint8, x)
	case []int8:
		return writeArray(b, key, TypeInt8, x)
	case []uint16:
		return writeArray(b, key, TypeUint16, x)
	case []int16:
		return writeArray(b, key, TypeInt16, x)
	case []uint32:
		return writeArray(b, key, TypeUint32, x)
	case []int32:
		return writeArray(b, key, TypeInt32, x)
	case []float32:
		return writeArray(b, key, TypeFloat32, x)
	case []bool:
		return writeArray(b, key, TypeBool, x)
	case []string:
		return writeArray(b, key, TypeString, x)
	case []uint64:
		return writeArray(b, key, TypeUint64, x)
	case []int64:
		return writeArray(b, key, TypeInt64, x)
	case []float64:
		return writeArray(b, key, TypeFloat64, x)
	default:
		return fmt.Errorf("gguf: metadata %q has Go type %T, which has no GGUF type", key, v)
	}
	return nil
}

func writeArray[T any](b *bytes.Buffer, key string, t ValueType, xs []T) error {
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(TypeArray)))
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(t)))
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(xs))))
	for _, x := range xs {
		if err := writeValue(b, key, x, false); err != nil {
			return err
		}
	}
	return nil
}
