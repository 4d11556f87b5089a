package series

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// MonthSeconds is the nominal length of a month: a twelfth of a mean
// Gregorian year.
const MonthSeconds = 2_629_746

//go:embed testdata/co2-concentration.csv
var co2CSV []byte

// Dataset is a regularly spaced real record.
type Dataset struct {
	Name        string
	Start       time.Time // first observation
	Values      []float64
	Periods     []int
	StepSeconds int64
}

// CO2 returns the monthly Mauna Loa CO2 record (ppm) shipped with the
// package: its longest run of consecutive months, 1964-05 to 2020-04 (the
// record misses 1958-06, 1958-10 and 1964-02..04).
func CO2() (Dataset, error) {
	return ReadMonthlyCSV(bytes.NewReader(co2CSV), "co2", "Date", "CO2")
}

// ReadMonthlyCSV reads a CSV with a header, a date column (YYYY-MM-DD, the
// first of each month) and a value column, and returns the longest run of
// consecutive months. Values are never interpolated: a gap ends a run.
func ReadMonthlyCSV(r io.Reader, name, dateColumn, valueColumn string) (Dataset, error) {
	rd := csv.NewReader(r)
	header, err := rd.Read()
	if err != nil {
		return Dataset{}, fmt.Errorf("%s: reading header: %w", name, err)
	}
	dateIdx, valueIdx := -1, -1
	for i, h := range header {
		switch strings.TrimSpace(h) {
		case dateColumn:
			dateIdx = i
		case valueColumn:
			valueIdx = i
		}
	}
	if dateIdx < 0 || valueIdx < 0 {
		return Dataset{}, fmt.Errorf("%s: header %q lacks column %q or %q", name, header, dateColumn, valueColumn)
	}

	var best, run Dataset
	var prevMonth int
	for line := 2; ; line++ {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Dataset{}, fmt.Errorf("%s: line %d: %w", name, line, err)
		}
		date, err := time.Parse(time.DateOnly, strings.TrimSpace(rec[dateIdx]))
		if err != nil {
			return Dataset{}, fmt.Errorf("%s: line %d: date: %w", name, line, err)
		}
		if date.Day() != 1 {
			return Dataset{}, fmt.Errorf("%s: line %d: date %s is not the first of a month", name, line, rec[dateIdx])
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[valueIdx]), 64)
		if err != nil || !finite(v) {
			return Dataset{}, fmt.Errorf("%s: line %d: value %q is not a finite number", name, line, rec[valueIdx])
		}
		month := date.Year()*12 + int(date.Month()) - 1
		switch {
		case len(run.Values) > 0 && month <= prevMonth:
			return Dataset{}, fmt.Errorf("%s: line %d: %s does not follow the previous month", name, line, rec[dateIdx])
		case len(run.Values) > 0 && month == prevMonth+1:
			run.Values = append(run.Values, v)
		default:
			if len(run.Values) > len(best.Values) {
				best = run
			}
			run = Dataset{Start: date, Values: []float64{v}}
		}
		prevMonth = month
	}
	if len(run.Values) > len(best.Values) {
		best = run
	}
	if len(best.Values) == 0 {
		return Dataset{}, fmt.Errorf("%s: no data rows", name)
	}
	best.Name, best.Periods, best.StepSeconds = name, []int{12}, MonthSeconds
	return best, nil
}
