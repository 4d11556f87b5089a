// Package web serves the explorer: server-rendered pages, each with a JSON twin under /api/, read
// from the explorer's store (and, for accounts, from the node itself); a stream of new heights
// (server-sent events) that the pages follow to redraw themselves without a reload; and its own
// script, styles and charting library (uPlot, MIT), embedded in the binary so that nothing is
// fetched from elsewhere at run time.
package web
