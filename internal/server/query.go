package server

import (
	"strconv"

	"github.com/labstack/echo/v4"
)

// queryLimit parses ?limit= (1..maxLimit); absent is def.
func queryLimit(c echo.Context, def, maxLimit int) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badRequest("limit", "must be an integer from 1 to %d, got %q", maxLimit, v)
	}
	return n, nil
}

// queryID parses an ID cursor (?after=, Last-Event-ID) named field; absent is 0.
func queryID(field, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest(field, "must be a non-negative integer ID, got %q", v)
	}
	return n, nil
}

// queryRevision parses ?revision= for deletes (0: any).
func queryRevision(c echo.Context) (int64, error) {
	v := c.QueryParam("revision")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, badRequest("revision", "must be a positive integer, got %q", v)
	}
	return n, nil
}
