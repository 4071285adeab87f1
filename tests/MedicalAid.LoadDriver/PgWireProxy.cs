using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace MedicalAid.LoadDriver;

/// <summary>
/// A TCP proxy between the API and PostgreSQL that reads the wire protocol (v3) as it passes, to count what a
/// settlement costs the database: round trips (a client flight that ends in Sync or a simple Query and is answered
/// by ReadyForQuery), statements (Execute and Query messages), the time each round trip waited for the server, and
/// the time a connection sat inside an open transaction waiting for the API (ReadyForQuery status 'T' until the
/// client's next message): time its row locks were held by the application, not the database. Nothing is changed.
/// </summary>
internal sealed partial class PgWireProxy : IAsyncDisposable
{
    private const int SslRequestCode = 80877103;
    private const int GssEncRequestCode = 80877104;

    private readonly TcpListener listener;
    private readonly string upstreamHost;
    private readonly int upstreamPort;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> connections = [];
    private readonly Task accepting;

    public PgWireProxy(string upstreamHost, int upstreamPort)
    {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public WireStats Stats { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
        }

        Task[] running;
        lock (connections)
        {
            running = [.. connections];
        }

        await Task.WhenAll(running.Select(task => task.ContinueWith(_ => { }, TaskScheduler.Default)));
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var task = Task.Run(() => ServeAsync(client));
            lock (connections)
            {
                connections.RemoveAll(done => done.IsCompleted);
                connections.Add(task);
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            client.NoDelay = true;
            server.NoDelay = true;
            try
            {
                await server.ConnectAsync(upstreamHost, upstreamPort, stopping.Token);
                var connection = new ConnectionState(Stats);
                await using var clientStream = client.GetStream();
                await using var serverStream = server.GetStream();
                await StartUpAsync(clientStream, serverStream, stopping.Token);
                using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                var up = Task.Run(() => ClientToServerAsync(clientStream, serverStream, connection, done.Token));
                var down = Task.Run(() => ServerToClientAsync(serverStream, clientStream, connection, done.Token));
                await Task.WhenAny(up, down);
                await done.CancelAsync();
                await Task.WhenAll(up.ContinueWith(_ => { }, TaskScheduler.Default), down.ContinueWith(_ => { }, TaskScheduler.Default));
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A connection ended; nothing to count.
            }
        }
    }

    /// <summary>
    /// The untyped start of a connection: SSLRequest / GSSENCRequest (each answered by one untyped byte, 'N' here as
    /// the proxy offers no encryption) until the StartupMessage; typed messages follow in both directions.
    /// </summary>
    private static async Task StartUpAsync(NetworkStream client, NetworkStream server, CancellationToken cancellationToken)
    {
        while (true)
        {
            var header = await ReadExactlyAsync(client, 8, cancellationToken);
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
            var body = await ReadExactlyAsync(client, length - 8, cancellationToken);
            await server.WriteAsync(header, cancellationToken);
            await server.WriteAsync(body, cancellationToken);
            if (code is not (SslRequestCode or GssEncRequestCode))
            {
                return;
            }

            var answer = await ReadExactlyAsync(server, 1, cancellationToken);
            await client.WriteAsync(answer, cancellationToken);
            if (answer[0] != (byte)'N')
            {
                throw new IOException("The server accepted encryption; the proxy only reads plain connections (use SSL Mode=Disable).");
            }
        }
    }

    private static async Task ClientToServerAsync(NetworkStream client, NetworkStream server, ConnectionState state, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var pending = new MemoryStream();
        while (true)
        {
            var read = await client.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            pending.Write(buffer, 0, read);
            state.ClientSent(pending);
            await server.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private static async Task ServerToClientAsync(NetworkStream server, NetworkStream client, ConnectionState state, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var pending = new MemoryStream();
        while (true)
        {
            var read = await server.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            pending.Write(buffer, 0, read);
            state.ServerSent(pending);
            await client.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(NetworkStream stream, int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        return bytes;
    }

    /// <summary>"SELECT Funds", "INSERT LedgerEntries", "COMMIT": what a statement does to which table.</summary>
    public static string Label(string sql)
    {
        var text = Whitespace().Replace(sql, " ").Trim();
        var verb = text.Split(' ', 2)[0].ToUpperInvariant();
        var table = FirstTable().Match(text) is { Success: true } match ? " " + match.Groups[1].Value : "";
        var locking = text.Contains("FOR UPDATE", StringComparison.OrdinalIgnoreCase) ? " FOR UPDATE" : "";
        var upsert = text.Contains("ON CONFLICT", StringComparison.OrdinalIgnoreCase) ? " ON CONFLICT" : "";
        return verb + table + locking + upsert;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?:FROM|INTO|UPDATE|JOIN)\s+""?([A-Za-z_][A-Za-z0-9_]*)""?", RegexOptions.IgnoreCase)]
    private static partial Regex FirstTable();

    /// <summary>One proxied connection's protocol state.</summary>
    private sealed class ConnectionState(WireStats stats)
    {
        private readonly Lock gate = new();
        private readonly Dictionary<string, string> preparedStatements = new(StringComparer.Ordinal);
        private readonly List<string> flightStatements = [];
        private int outstanding;
        private long flightStart;
        private long waitingForClientSince;

        public void ClientSent(MemoryStream pending)
        {
            var now = Clock.Now;
            lock (gate)
            {
                if (waitingForClientSince != 0)
                {
                    stats.AddInTransactionClientTime(now - waitingForClientSince);
                    waitingForClientSince = 0;
                }

                foreach (var (type, body) in Messages(pending))
                {
                    switch (type)
                    {
                        case (byte)'P':
                        {
                            // Parse: name\0 query\0 ...
                            var nameEnd = Array.IndexOf(body, (byte)0);
                            var name = Encoding.UTF8.GetString(body, 0, nameEnd);
                            var queryEnd = Array.IndexOf(body, (byte)0, nameEnd + 1);
                            var query = Encoding.UTF8.GetString(body, nameEnd + 1, queryEnd - nameEnd - 1);
                            preparedStatements[name] = query;
                            stats.Count("Parse");
                            break;
                        }

                        case (byte)'B':
                        {
                            // Bind: portal\0 statement\0 ...
                            var portalEnd = Array.IndexOf(body, (byte)0);
                            var statementEnd = Array.IndexOf(body, (byte)0, portalEnd + 1);
                            var statement = Encoding.UTF8.GetString(body, portalEnd + 1, statementEnd - portalEnd - 1);
                            StartFlight(now);
                            flightStatements.Add(preparedStatements.GetValueOrDefault(statement, "?"));
                            stats.Count("Bind");
                            break;
                        }

                        case (byte)'E':
                            stats.Count("Execute");
                            break;
                        case (byte)'Q':
                        {
                            StartFlight(now);
                            var query = Encoding.UTF8.GetString(body, 0, Math.Max(0, body.Length - 1));
                            foreach (var part in query.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                            {
                                flightStatements.Add(part);
                            }

                            stats.Count("Query");
                            outstanding++;
                            break;
                        }

                        case (byte)'S':
                            StartFlight(now);
                            stats.Count("Sync");
                            outstanding++;
                            break;
                        default:
                            stats.Count(((char)type).ToString());
                            break;
                    }
                }
            }
        }

        public void ServerSent(MemoryStream pending)
        {
            var now = Clock.Now;
            lock (gate)
            {
                foreach (var (type, body) in Messages(pending))
                {
                    if (type != (byte)'Z' || outstanding == 0)
                    {
                        continue;
                    }

                    outstanding--;
                    if (outstanding > 0)
                    {
                        continue;
                    }

                    stats.AddRoundTrip(flightStatements, now - flightStart);
                    flightStatements.Clear();
                    flightStart = 0;
                    if (body.Length > 0 && body[0] == (byte)'T')
                    {
                        waitingForClientSince = now;
                    }
                }
            }
        }

        private void StartFlight(long now)
        {
            if (flightStart == 0)
            {
                flightStart = now;
            }
        }

        /// <summary>Complete typed messages in <paramref name="pending"/>; an incomplete tail stays for the next read.</summary>
        private static List<(byte Type, byte[] Body)> Messages(MemoryStream pending)
        {
            var messages = new List<(byte, byte[])>();
            var data = pending.GetBuffer();
            var length = (int)pending.Length;
            var offset = 0;
            while (length - offset >= 5)
            {
                var size = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset + 1));
                if (length - offset < size + 1)
                {
                    break;
                }

                messages.Add((data[offset], data.AsSpan(offset + 5, size - 4).ToArray()));
                offset += size + 1;
            }

            var rest = data.AsSpan(offset, length - offset).ToArray();
            pending.SetLength(0);
            pending.Write(rest);
            return messages;
        }
    }
}

/// <summary>Totals of what crossed the proxy; <see cref="Snapshot"/> and subtract to get a window's share.</summary>
internal sealed class WireStats
{
    private readonly ConcurrentDictionary<string, long> messages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Count, long Ticks)> roundTrips = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> statements = new(StringComparer.Ordinal);
    private long inTransactionClientTicks;

    public void Count(string message) => messages.AddOrUpdate(message, 1, (_, count) => count + 1);

    public void AddInTransactionClientTime(long ticks) => Interlocked.Add(ref inTransactionClientTicks, ticks);

    public void AddRoundTrip(IReadOnlyList<string> sql, long ticks)
    {
        var labels = new List<string>(sql.Count);
        foreach (var text in sql)
        {
            var statement = Normalise(text);
            statements.AddOrUpdate(statement, 1, (_, count) => count + 1);
            labels.Add(PgWireProxy.Label(statement));
        }

        var key = labels.Count == 0 ? "(no statement)" : string.Join(" + ", labels);
        roundTrips.AddOrUpdate(key, (1, ticks), (_, total) => (total.Count + 1, total.Ticks + ticks));
    }

    private static string Normalise(string sql) => string.Join(' ', sql.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    public WireSnapshot Snapshot() => new(
        new Dictionary<string, long>(messages, StringComparer.Ordinal),
        roundTrips.ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal),
        new Dictionary<string, long>(statements, StringComparer.Ordinal),
        Interlocked.Read(ref inTransactionClientTicks));
}

/// <summary>Protocol messages by type, round trips by the statements sent together, and executions by statement text (whitespace collapsed).</summary>
internal sealed record WireSnapshot(
    IReadOnlyDictionary<string, long> Messages,
    IReadOnlyDictionary<string, (long Count, long Ticks)> RoundTrips,
    IReadOnlyDictionary<string, long> Statements,
    long InTransactionClientTicks)
{
    public WireSnapshot Minus(WireSnapshot earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return new WireSnapshot(
            Messages.ToDictionary(entry => entry.Key, entry => entry.Value - earlier.Messages.GetValueOrDefault(entry.Key), StringComparer.Ordinal),
            RoundTrips.ToDictionary(
                entry => entry.Key,
                entry => earlier.RoundTrips.TryGetValue(entry.Key, out var before) ? (entry.Value.Count - before.Count, entry.Value.Ticks - before.Ticks) : entry.Value,
                StringComparer.Ordinal),
            Statements.ToDictionary(entry => entry.Key, entry => entry.Value - earlier.Statements.GetValueOrDefault(entry.Key), StringComparer.Ordinal),
            InTransactionClientTicks - earlier.InTransactionClientTicks);
    }

    public long RoundTripCount => RoundTrips.Values.Sum(value => value.Count);

    public double RoundTripMilliseconds => Clock.Milliseconds(RoundTrips.Values.Sum(value => value.Ticks));

    /// <summary>SQL statements executed: one per Bind, one per statement of a simple Query.</summary>
    public long StatementCount => Statements.Values.Sum();
}
