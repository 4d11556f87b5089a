// Package browser holds the explorer's end-to-end test: a local network with the forecasting
// subnet, its explorer, and headless Chromium reading the pages as a user would.
package browser
