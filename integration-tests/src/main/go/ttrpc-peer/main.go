// Command ttrpc-peer is a Go ttrpc peer (containerd/ttrpc as packaged by Debian) used to test the
// Java implementation against the reference one, and to benchmark it.
//
// Usage:
//
//	ttrpc-peer serve -socket PATH
//	ttrpc-peer check -socket PATH
//	ttrpc-peer bench-server -socket PATH
//	ttrpc-peer bench-client -socket PATH -payload BYTES -seconds S -concurrency N -warmup S2
//	ttrpc-peer unpack -socket PATH -image NAME -dir DIR [-namespace NS]
//
// serve and bench-server print READY once listening and exit on SIGTERM, SIGINT or stdin EOF.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/ttrpc"
	"github.com/gogo/protobuf/proto"
	"github.com/gogo/protobuf/types"
	"github.com/sirupsen/logrus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	serviceName = "ttrpc.interop.v1.Interop"
	// maxMessage is ttrpc's limit on a frame's data length.
	maxMessage = 4 << 20
	// envelopeRoom is what a Request needs besides the BytesValue payload bytes: service, method,
	// tags and length prefixes, and a timeout. 64 bytes leave a margin.
	envelopeRoom = 64
)

func main() {
	logrus.SetOutput(os.Stderr)
	logrus.SetLevel(logrus.WarnLevel)
	if len(os.Args) < 2 {
		usage()
	}
	mode, args := os.Args[1], os.Args[2:]
	var err error
	switch mode {
	case "serve":
		err = runServer(args, interopMethods())
	case "bench-server":
		err = runServer(args, map[string]ttrpc.Method{"Echo": echo})
	case "check":
		var ok bool
		ok, err = runCheck(args)
		if err == nil && !ok {
			os.Exit(1)
		}
	case "bench-client":
		err = runBenchClient(args)
	case "unpack":
		err = runUnpack(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ttrpc-peer %s: %v\n", mode, err)
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  ttrpc-peer serve -socket PATH
  ttrpc-peer check -socket PATH
  ttrpc-peer bench-server -socket PATH
  ttrpc-peer bench-client -socket PATH -payload BYTES -seconds S -concurrency N -warmup S2
  ttrpc-peer unpack -socket PATH -image NAME -dir DIR [-namespace NS]
`)
	os.Exit(2)
}

// ---- server ----

func runServer(args []string, methods map[string]ttrpc.Method) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	socket := fs.String("socket", "", "unix socket path to listen on")
	fs.Parse(args)
	if *socket == "" {
		return errors.New("-socket is required")
	}
	if err := os.Remove(*socket); err != nil && !os.IsNotExist(err) {
		return err
	}
	listener, err := net.Listen("unix", *socket)
	if err != nil {
		return err
	}
	server, err := ttrpc.NewServer()
	if err != nil {
		return err
	}
	server.Register(serviceName, methods)

	served := make(chan error, 1)
	go func() { served <- server.Serve(context.Background(), listener) }()
	fmt.Println("READY")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	stdinClosed := make(chan struct{})
	go func() {
		io.Copy(ioutil.Discard, os.Stdin)
		close(stdinClosed)
	}()

	select {
	case <-stop:
	case <-stdinClosed:
	case err := <-served:
		os.Remove(*socket)
		return fmt.Errorf("serve: %w", err)
	}
	server.Close()
	os.Remove(*socket)
	return nil
}

func interopMethods() map[string]ttrpc.Method {
	return map[string]ttrpc.Method{
		"Echo":     echo,
		"Metadata": metadata,
		"Fail":     fail,
		"Deadline": deadline,
		"Sleep":    sleep,
	}
}

func bytesValue(s string) *types.BytesValue {
	return &types.BytesValue{Value: []byte(s)}
}

func readRequest(unmarshal func(interface{}) error) (*types.BytesValue, error) {
	req := &types.BytesValue{}
	if err := unmarshal(req); err != nil {
		return nil, err
	}
	return req, nil
}

func echo(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
	return readRequest(unmarshal)
}

func metadata(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
	if _, err := readRequest(unmarshal); err != nil {
		return nil, err
	}
	md, _ := ttrpc.GetMetadata(ctx)
	return bytesValue(formatMetadata(md)), nil
}

// formatMetadata renders metadata as sorted "key=value" lines, one per value.
func formatMetadata(md ttrpc.MD) string {
	var lines []string
	for k, values := range md {
		for _, v := range values {
			lines = append(lines, k+"="+v)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func fail(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
	req, err := readRequest(unmarshal)
	if err != nil {
		return nil, err
	}
	parts := strings.SplitN(string(req.Value), ":", 2)
	code, err := strconv.Atoi(parts[0])
	if err != nil || len(parts) != 2 {
		return nil, status.Errorf(codes.InvalidArgument, "want CODE:message, got %q", req.Value)
	}
	return nil, status.Error(codes.Code(code), parts[1])
}

func deadline(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
	if _, err := readRequest(unmarshal); err != nil {
		return nil, err
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return bytesValue("none"), nil
	}
	return bytesValue(strconv.FormatInt(time.Until(dl).Milliseconds(), 10)), nil
}

func sleep(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
	req, err := readRequest(unmarshal)
	if err != nil {
		return nil, err
	}
	ms, err := strconv.Atoi(string(req.Value))
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "want milliseconds, got %q", req.Value)
	}
	timer := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
		return bytesValue("slept"), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ---- check: a Go client against a server of the Interop service ----

type serverTimeoutKey struct{}

// withServerOnlyTimeout makes the next call send timeout_nano = d while the local context keeps
// its own (longer) deadline, so only the server can end the call at d.
func withServerOnlyTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, serverTimeoutKey{}, d)
}

func serverTimeoutInterceptor(ctx context.Context, req *ttrpc.Request, resp *ttrpc.Response,
	info *ttrpc.UnaryClientInfo, invoker ttrpc.Invoker) error {
	if d, ok := ctx.Value(serverTimeoutKey{}).(time.Duration); ok {
		req.TimeoutNano = d.Nanoseconds()
	}
	return invoker(ctx, req, resp)
}

type checker struct {
	client *ttrpc.Client
	failed bool
}

func (c *checker) call(ctx context.Context, method string, value []byte) ([]byte, error) {
	return c.callService(ctx, serviceName, method, value)
}

func (c *checker) callService(ctx context.Context, service, method string, value []byte) ([]byte, error) {
	resp := &types.BytesValue{}
	if err := c.client.Call(ctx, service, method, &types.BytesValue{Value: value}, resp); err != nil {
		return nil, err
	}
	return resp.Value, nil
}

func (c *checker) run(name string, check func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := check(ctx); err != nil {
		c.failed = true
		fmt.Printf("FAIL %s: %s\n", name, strings.ReplaceAll(err.Error(), "\n", `\n`))
	} else {
		fmt.Printf("PASS %s\n", name)
	}
}

func expectStatus(err error, code codes.Code, message string) error {
	if err == nil {
		return fmt.Errorf("want %v, got success", code)
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("want status %v, got a non-status error: %v", code, err)
	}
	if st.Code() != code {
		return fmt.Errorf("want code %v, got %v (%q)", code, st.Code(), st.Message())
	}
	if message != "" && st.Message() != message {
		return fmt.Errorf("want message %q, got %q", message, st.Message())
	}
	return nil
}

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*31 + i>>8)
	}
	return p
}

func (c *checker) echoes(ctx context.Context, payload []byte) error {
	got, err := c.call(ctx, "Echo", payload)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, payload) {
		return fmt.Errorf("echo of %d bytes came back as %d different bytes", len(payload), len(got))
	}
	return nil
}

func runCheck(args []string) (bool, error) {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	socket := fs.String("socket", "", "unix socket path of the server")
	fs.Parse(args)
	if *socket == "" {
		return false, errors.New("-socket is required")
	}
	conn, err := net.Dial("unix", *socket)
	if err != nil {
		return false, err
	}
	client := ttrpc.NewClient(conn, ttrpc.WithUnaryClientInterceptor(serverTimeoutInterceptor))
	defer client.Close()
	c := &checker{client: client}

	c.run("echo-small", func(ctx context.Context) error {
		return c.echoes(ctx, []byte("hello, java"))
	})
	c.run("echo-near-limit", func(ctx context.Context) error {
		return c.echoes(ctx, pattern(maxMessage-envelopeRoom))
	})
	c.run("echo-empty", func(ctx context.Context) error {
		return c.echoes(ctx, nil)
	})
	c.run("metadata-multi-valued", func(ctx context.Context) error {
		ctx = ttrpc.WithMetadata(ctx, ttrpc.MD{"k": {"a", "b"}, "other": {"x"}})
		got, err := c.call(ctx, "Metadata", nil)
		if err != nil {
			return err
		}
		if want := "k=a\nk=b\nother=x"; string(got) != want {
			return fmt.Errorf("want %q, got %q", want, got)
		}
		return nil
	})
	c.run("deadline-propagated", func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		got, err := c.call(ctx, "Deadline", nil)
		if err != nil {
			return err
		}
		ms, err := strconv.ParseInt(string(got), 10, 64)
		if err != nil || ms <= 0 || ms > 2000 {
			return fmt.Errorf("want remaining milliseconds in (0,2000], got %q", got)
		}
		return nil
	})
	c.run("no-deadline", func(ctx context.Context) error {
		got, err := c.call(context.Background(), "Deadline", nil)
		if err != nil {
			return err
		}
		if string(got) != "none" {
			return fmt.Errorf("want \"none\", got %q", got)
		}
		return nil
	})
	c.run("error-not-found", func(ctx context.Context) error {
		_, err := c.call(ctx, "Fail", []byte("5:nope"))
		return expectStatus(err, codes.NotFound, "nope")
	})
	c.run("error-unimplemented", func(ctx context.Context) error {
		_, err := c.call(ctx, "Fail", []byte("12:x"))
		return expectStatus(err, codes.Unimplemented, "x")
	})
	c.run("unknown-method", func(ctx context.Context) error {
		_, err := c.call(ctx, "NoSuchMethod", nil)
		return expectStatus(err, codes.Unimplemented, "")
	})
	c.run("unknown-service", func(ctx context.Context) error {
		_, err := c.callService(ctx, "ttrpc.interop.v1.NoSuchService", "Echo", nil)
		return expectStatus(err, codes.Unimplemented, "")
	})
	c.run("oversized-request", func(ctx context.Context) error {
		// ttrpc v1.1.1 does not check sizes when sending: the frame goes out and the receiver must
		// discard it and fail only that stream (Go replies RESOURCE_EXHAUSTED). Either a local or
		// a remote error is fine; what matters is that the connection survives.
		_, err := c.call(ctx, "Echo", pattern(maxMessage+1))
		if err == nil {
			return errors.New("an oversized request succeeded")
		}
		fmt.Fprintf(os.Stderr, "INFO oversized-request: the call failed with: %v (ttrpc v1.1.1 does not check sizes on send)\n", err)
		if st, ok := status.FromError(err); !ok || st.Code() != codes.ResourceExhausted {
			return fmt.Errorf("want ResourceExhausted, got %v", err)
		}
		return nil
	})
	c.run("call-after-oversized", func(ctx context.Context) error {
		return c.echoes(ctx, []byte("still connected"))
	})
	c.run("sleep-client-deadline", func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.call(ctx, "Sleep", []byte("5000"))
		if took := time.Since(start); took > time.Second {
			return fmt.Errorf("took %v", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			if e := expectStatus(err, codes.DeadlineExceeded, ""); e != nil {
				return e
			}
		}
		return nil
	})
	c.run("sleep-server-deadline", func(ctx context.Context) error {
		// The call's own context allows 5 s; the server is told 200 ms and must answer
		// DEADLINE_EXCEEDED itself.
		ctx = withServerOnlyTimeout(ctx, 200*time.Millisecond)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.call(ctx, "Sleep", []byte("5000"))
		if e := expectStatus(err, codes.DeadlineExceeded, ""); e != nil {
			return e
		}
		if took := time.Since(start); took > time.Second {
			return fmt.Errorf("server answered DEADLINE_EXCEEDED after %v", took)
		}
		return nil
	})
	c.run("call-after-deadlines", func(ctx context.Context) error {
		got, err := c.call(ctx, "Sleep", []byte("10"))
		if err != nil {
			return err
		}
		if string(got) != "slept" {
			return fmt.Errorf("want \"slept\", got %q", got)
		}
		return nil
	})
	return !c.failed, nil
}

// ---- bench-client ----

func runBenchClient(args []string) error {
	fs := flag.NewFlagSet("bench-client", flag.ExitOnError)
	socket := fs.String("socket", "", "unix socket path of the server")
	payload := fs.Int("payload", 0, "Echo payload size in bytes")
	seconds := fs.Float64("seconds", 10, "measured duration in seconds")
	concurrency := fs.Int("concurrency", 1, "goroutines calling concurrently on one connection")
	warmup := fs.Float64("warmup", 0, "warmup duration in seconds before measuring")
	fs.Parse(args)
	if *socket == "" {
		return errors.New("-socket is required")
	}
	if *concurrency < 1 || *payload < 0 || *seconds <= 0 || *warmup < 0 {
		return errors.New("need -concurrency >= 1, -payload >= 0, -seconds > 0, -warmup >= 0")
	}
	conn, err := net.Dial("unix", *socket)
	if err != nil {
		return err
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()

	req := &types.BytesValue{Value: pattern(*payload)}
	start := time.Now()
	measureFrom := start.Add(time.Duration(*warmup * float64(time.Second)))
	end := measureFrom.Add(time.Duration(*seconds * float64(time.Second)))

	latencies := make([][]time.Duration, *concurrency)
	errs := make([]error, *concurrency)
	var wg sync.WaitGroup
	for g := 0; g < *concurrency; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			own := make([]time.Duration, 0, 1<<16)
			resp := &types.BytesValue{}
			for {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				if err := client.Call(context.Background(), serviceName, "Echo", req, resp); err != nil {
					errs[g] = err
					break
				}
				if len(resp.Value) != *payload {
					errs[g] = fmt.Errorf("echo returned %d bytes, want %d", len(resp.Value), *payload)
					break
				}
				t1 := time.Now()
				if !t0.Before(measureFrom) && !t1.After(end) {
					own = append(own, t1.Sub(t0))
				}
			}
			latencies[g] = own
		}(g)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	fmt.Printf("calls=%d seconds=%.3f p50_us=%.1f p99_us=%.1f\n",
		len(all), *seconds, percentileMicros(all, 0.50), percentileMicros(all, 0.99))
	return nil
}

// percentileMicros is the nearest-rank percentile of sorted latencies, in microseconds.
func percentileMicros(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p*float64(len(sorted))+0.999999) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(sorted) {
		rank = len(sorted) - 1
	}
	return float64(sorted[rank].Nanoseconds()) / 1e3
}

// ---- a Transfer client asking transferd for an unpack ----

// The messages an unpack needs, with only the fields it sets. gogo/protobuf marshals them by
// their struct tags, as it does generated code; the field numbers are those of containerd's
// transfer.proto and imagestore.proto and of transferd's unpack.proto.

// transferRequest is containerd.services.transfer.v1.TransferRequest.
type transferRequest struct {
	Source      *types.Any `protobuf:"bytes,1,opt,name=source,proto3"`
	Destination *types.Any `protobuf:"bytes,2,opt,name=destination,proto3"`
}

func (m *transferRequest) Reset()         { *m = transferRequest{} }
func (m *transferRequest) String() string { return proto.CompactTextString(m) }
func (*transferRequest) ProtoMessage()    {}

// imageStore is containerd.types.transfer.ImageStore.
type imageStore struct {
	Name string `protobuf:"bytes,1,opt,name=name,proto3"`
}

func (m *imageStore) Reset()         { *m = imageStore{} }
func (m *imageStore) String() string { return proto.CompactTextString(m) }
func (*imageStore) ProtoMessage()    {}

// unpackDirectory is dev.transferd.transfer.v1.UnpackDirectory.
type unpackDirectory struct {
	Path string `protobuf:"bytes,1,opt,name=path,proto3"`
}

func (m *unpackDirectory) Reset()         { *m = unpackDirectory{} }
func (m *unpackDirectory) String() string { return proto.CompactTextString(m) }
func (*unpackDirectory) ProtoMessage()    {}

// anyOf packs msg under its bare type name, as containerd's typeurl does.
func anyOf(typeURL string, msg proto.Message) (*types.Any, error) {
	value, err := proto.Marshal(msg)
	if err != nil {
		return nil, err
	}
	return &types.Any{TypeUrl: typeURL, Value: value}, nil
}

// runUnpack asks the Transfer service at -socket to unpack the stored image -image into -dir. On
// a server error it prints "CODE: message" to stderr and exits 1.
func runUnpack(args []string) error {
	fs := flag.NewFlagSet("unpack", flag.ExitOnError)
	socket := fs.String("socket", "", "unix socket path of transferd")
	image := fs.String("image", "", "stored image to unpack")
	dir := fs.String("dir", "", "absolute directory on the daemon's machine")
	namespace := fs.String("namespace", "default", "containerd namespace")
	fs.Parse(args)
	if *socket == "" || *image == "" || *dir == "" {
		return errors.New("-socket, -image and -dir are required")
	}
	source, err := anyOf("containerd.types.transfer.ImageStore", &imageStore{Name: *image})
	if err != nil {
		return err
	}
	destination, err := anyOf("dev.transferd.transfer.v1.UnpackDirectory", &unpackDirectory{Path: *dir})
	if err != nil {
		return err
	}
	conn, err := net.Dial("unix", *socket)
	if err != nil {
		return err
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ctx = ttrpc.WithMetadata(ctx, ttrpc.MD{"containerd-namespace-ttrpc": {*namespace}})
	req := &transferRequest{Source: source, Destination: destination}
	if err := client.Call(ctx, "containerd.services.transfer.v1.Transfer", "Transfer", req, &types.Empty{}); err != nil {
		st, _ := status.FromError(err)
		fmt.Fprintf(os.Stderr, "%s: %s\n", st.Code(), st.Message())
		os.Exit(1)
	}
	fmt.Println("unpacked")
	return nil
}
