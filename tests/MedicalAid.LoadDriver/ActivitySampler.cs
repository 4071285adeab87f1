using System.Globalization;
using Npgsql;

namespace MedicalAid.LoadDriver;

/// <summary>
/// Samples pg_stat_activity (and the ungranted locks in pg_locks) of one database every few milliseconds: how many
/// of its backends are running, waiting for a lock (on which statement, so which rows), waiting for WAL I/O, or
/// sitting idle inside an open transaction while the application works.
/// </summary>
internal sealed class ActivitySampler : IAsyncDisposable
{
    private readonly Dictionary<string, long> states = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task sampling;
    private long samples;

    private ActivitySampler(NpgsqlConnection connection, string database, TimeSpan interval)
    {
        sampling = Task.Run(() => SampleAsync(connection, database, interval));
    }

    public static async Task<ActivitySampler> StartAsync(PgServer server, string database, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        // Connected to the measured database, so that pg_locks' relation ids resolve to table names.
        var connection = await server.OpenAsync(database, cancellationToken);
        return new ActivitySampler(connection, database, interval);
    }

    /// <summary>Average number of backends in each state over the samples, highest first.</summary>
    public async Task<IReadOnlyList<(string State, double Backends)>> StopAsync()
    {
        await stopping.CancelAsync();
        await sampling;
        lock (states)
        {
            return states.OrderByDescending(entry => entry.Value)
                .Select(entry => (entry.Key, samples == 0 ? 0 : (double)entry.Value / samples))
                .ToList();
        }
    }

    public long Samples => Interlocked.Read(ref samples);

    public async ValueTask DisposeAsync()
    {
        if (!stopping.IsCancellationRequested)
        {
            await StopAsync();
        }

        stopping.Dispose();
    }

    private async Task SampleAsync(NpgsqlConnection connection, string database, TimeSpan interval)
    {
        await using (connection)
        {
            await using var command = new NpgsqlCommand("""
                SELECT a.state, coalesce(a.wait_event_type || ':' || a.wait_event, ''), coalesce(a.query, ''),
                       (SELECT string_agg(DISTINCT l.locktype || coalesce(' ' || l.relation::regclass::text, ''), ', ')
                        FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted)
                FROM pg_stat_activity a
                WHERE a.datname = $1 AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
                """, connection);
            command.Parameters.AddWithValue(database);
            await command.PrepareAsync(stopping.Token);
            while (!stopping.IsCancellationRequested)
            {
                var seen = new List<string>();
                try
                {
                    await using var reader = await command.ExecuteReaderAsync(stopping.Token);
                    while (await reader.ReadAsync(stopping.Token))
                    {
                        seen.Add(Describe(reader.IsDBNull(0) ? "" : reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                lock (states)
                {
                    samples++;
                    foreach (var state in seen)
                    {
                        states[state] = states.GetValueOrDefault(state) + 1;
                    }
                }

                try
                {
                    await Task.Delay(interval, stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static string Describe(string state, string wait, string query, string? locks)
    {
        var statement = PgWireProxy.Label(query);
        return state switch
        {
            "idle in transaction" => $"idle in transaction (row locks held while the API works; last: {statement})",
            "idle" => "idle (between transactions)",
            "active" when wait.StartsWith("Lock:", StringComparison.Ordinal) =>
                string.Create(CultureInfo.InvariantCulture, $"waiting for a lock ({wait}{(locks is null ? "" : "; " + locks)}) in {statement}"),
            "active" when wait.Length > 0 => $"active, waiting on {wait} in {statement}",
            "active" => $"active on CPU in {statement}",
            _ => $"{state} {wait}".Trim(),
        };
    }
}
