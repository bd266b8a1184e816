package graphqlhttp

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graph"
)

// subscriptionCaps bound the subscriptions open at once: on one WebSocket,
// and of one caller over all its sockets and Server-Sent Events streams.
// Each subscription's first fetch is an upstream call, and each open one
// holds a poller's attention: without a bound, one socket sending subscribe
// messages made an upstream call per message, as fast as it could send them.
type subscriptionCaps struct {
	perSocket, perCaller int

	mu       sync.Mutex
	byCaller map[string]int
}

func newSubscriptionCaps(perSocket, perCaller int) *subscriptionCaps {
	return &subscriptionCaps{perSocket: perSocket, perCaller: perCaller, byCaller: map[string]int{}}
}

// socketSubscriptionsKey holds, in a socket's context, how many
// subscriptions it has open.
type socketSubscriptionsKey struct{}

func withSocketSubscriptions(ctx context.Context) context.Context {
	return context.WithValue(ctx, socketSubscriptionsKey{}, new(atomic.Int32))
}

// take counts one more subscription of caller (on the socket of ctx, if it
// came on one), or refuses it; release, called once it ends, uncounts it.
func (c *subscriptionCaps) take(ctx context.Context, caller access.Caller) (release func(), refusal *gqlerror.Error) {
	socket, _ := ctx.Value(socketSubscriptionsKey{}).(*atomic.Int32)
	if socket != nil && socket.Add(1) > int32(c.perSocket) {
		socket.Add(-1)
		return nil, tooManySubscriptions(fmt.Sprintf("this socket has %d subscriptions open, the most one socket may have: complete one first", c.perSocket))
	}
	who := caller.ID
	c.mu.Lock()
	if c.byCaller[who] >= c.perCaller {
		c.mu.Unlock()
		if socket != nil {
			socket.Add(-1)
		}
		return nil, tooManySubscriptions(fmt.Sprintf("%s has %d subscriptions open, the most one caller may have: complete one first", caller.Name, c.perCaller))
	}
	c.byCaller[who]++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			if socket != nil {
				socket.Add(-1)
			}
			c.mu.Lock()
			if c.byCaller[who]--; c.byCaller[who] == 0 {
				delete(c.byCaller, who)
			}
			c.mu.Unlock()
		})
	}, nil
}

func tooManySubscriptions(message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": graph.CodeLimitExceeded}}
}
