package bench

import (
	"context"
	"fmt"
	"io"

	"renkei/internal/client"
)

// pageLength is the objects in each page the clients read.
const pageLength = 100

// pageStarts collects the next values of the first n pages of col (the
// first page's is ""), so that clients spread over the collection.
func pageStarts(ctx context.Context, col *client.CollectionRef, n int) ([]string, error) {
	var starts []string
	q := client.Query{Limit: pageLength}
	for len(starts) < n {
		env, err := col.Objects(ctx, q)
		if err != nil {
			return nil, err
		}
		starts = append(starts, q.Next)
		if !env.More {
			break
		}
		q.Next = env.Next
	}
	return starts, nil
}

// readPage fetches a page and reads it whole without decoding it, so that the
// client's own work weighs little beside the server's on the same machine.
func readPage(ctx context.Context, col *client.CollectionRef, next string) error {
	n, err := col.CopyObjects(ctx, client.Query{Limit: pageLength, Next: next}, io.Discard)
	if err != nil {
		return err
	}
	if n < 100 {
		return fmt.Errorf("page after %q: %d bytes", next, n)
	}
	return nil
}
