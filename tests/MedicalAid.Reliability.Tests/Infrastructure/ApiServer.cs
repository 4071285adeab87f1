using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace MedicalAid.Reliability.Tests.Infrastructure;

/// <summary>
/// One MedicalAid API instance as a real OS process: `dotnet MedicalAid.Api.dll` from the API's own build output,
/// configured only through environment variables, listening on a loopback port of its own. It can be killed with
/// SIGKILL and started again on the same database and port, as a supervisor would restart it.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    /// <summary>Longest wait for /readyz after a start. Not a speed assertion: a bound so that a start that hangs fails the test.</summary>
    public static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(120);

    private const int LogLinesKept = 400;

    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private static readonly HttpClient Probe = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private readonly TestDatabase database;
    private readonly IReadOnlyDictionary<string, string> extraSettings;
    private readonly ConcurrentQueue<string> log = new();
    private Process? process;

    static ApiServer() =>
        // Should the test host itself be stopped, take the API processes with it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var running in Running.Values)
            {
                try
                {
                    running.Kill();
                }
                catch (InvalidOperationException)
                {
                }
            }
        };

    public ApiServer(string name, TestDatabase database, IReadOnlyDictionary<string, string>? extraSettings = null)
    {
        Name = name;
        this.database = database;
        this.extraSettings = extraSettings ?? new Dictionary<string, string>();
        Port = FreePort();
    }

    public string Name { get; }

    public int Port { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public int Starts { get; private set; }

    public int Kills { get; private set; }

    public bool IsRunning => process is { HasExited: false };

    /// <summary>Whether /readyz answers 200 right now.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri(BaseAddress, "readyz"), cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>The built MedicalAid.Api.dll: MEDICALAID_API_DLL, else the path the build recorded in this assembly.</summary>
    public static string ApiAssembly { get; } = LocateApiAssembly();

    /// <summary>Starts the process and waits until /readyz answers 200 (migrations applied, demo data seeded, database reachable).</summary>
    public async Task StartAsync(CancellationToken cancellationToken, TimeSpan? readyLimit = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            Launch();
            try
            {
                await WaitUntilReadyAsync(cancellationToken, readyLimit);
                return;
            }
            catch (ApiStartException) when (attempt < 3 && LogTail().Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // Someone else took the port while this instance was down: move to another one.
                Port = FreePort();
            }
        }
    }

    /// <summary>Starts the process without waiting for it to be ready.</summary>
    public void Launch()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running (pid {process!.Id}).");
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(ApiAssembly)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(ApiAssembly);
        foreach (var inherited in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in Settings())
        {
            // Configuration keys in environment variables use "__" for ":".
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var started = new Process { StartInfo = start, EnableRaisingEvents = true };
        started.OutputDataReceived += (_, line) => Keep(line.Data);
        started.ErrorDataReceived += (_, line) => Keep(line.Data);
        if (!started.Start())
        {
            throw new ApiStartException($"{Name}: could not start {start.FileName} {ApiAssembly}.");
        }

        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        Running[started.Id] = started;
        Starts++;
        Keep($"--- {Name}: start {Starts}, pid {started.Id}, port {Port} ---");
    }

    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken, TimeSpan? readyLimit = null)
    {
        var limit = readyLimit ?? ReadyLimit;
        var running = process ?? throw new InvalidOperationException($"{Name} was never started.");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (running.HasExited)
            {
                throw new ApiStartException($"{Name} exited with code {running.ExitCode} before it was ready.\n{LogTail()}");
            }

            try
            {
                using var response = await Probe.GetAsync(new Uri(BaseAddress, "readyz"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.Elapsed > limit)
            {
                throw new ApiStartException($"{Name} (pid {running.Id}) was not ready after {limit.TotalSeconds:0} s.\n{LogTail()}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>
    /// SIGKILL: on Unix, Process.Kill sends SIGKILL, so the API gets no chance to finish a request, flush or close a
    /// connection. `dotnet app.dll` runs the app inside the dotnet host process, so this is the API itself.
    /// </summary>
    public async Task KillAsync()
    {
        var running = process ?? throw new InvalidOperationException($"{Name} was never started.");
        if (running.HasExited)
        {
            throw new InvalidOperationException($"{Name} had already exited with code {running.ExitCode}.\n{LogTail()}");
        }

        running.Kill(entireProcessTree: false);
        await running.WaitForExitAsync();
        Running.TryRemove(running.Id, out _);
        Kills++;
        Keep($"--- {Name}: killed pid {running.Id} (exit code {running.ExitCode}) ---");
        if (running.ExitCode != 128 + 9)
        {
            throw new InvalidOperationException($"{Name}: expected death by SIGKILL (exit code 137), got {running.ExitCode}.");
        }
    }

    public string LogTail() => string.Join('\n', log);

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false } running)
        {
            running.Kill(entireProcessTree: true);
            await running.WaitForExitAsync();
        }

        if (process is not null)
        {
            Running.TryRemove(process.Id, out _);
            process.Dispose();
        }
    }

    private Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
            ["Database:Provider"] = database.Provider.ToString(),
            ["Database:MigrateOnStartup"] = "true",
            ["ConnectionStrings:MedicalAid"] = database.ConnectionString,
            ["Demo:Enabled"] = "true",
            // Production's settings with the demo's hospitals and people: a throwaway database, so the published demo
            // password is no risk here.
            ["Demo:AllowInProduction"] = "true",
            // The load comes from a few test hospitals: the per-hospital rate limit is not what these tests are about.
            ["RateLimiting:Hospital:PermitsPerSecond"] = "1000000",
            ["RateLimiting:Hospital:Burst"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (key, value) in StaffTokens.ApiSettings)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in extraSettings)
        {
            settings[key] = value;
        }

        return settings;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        log.Enqueue(line);
        while (log.Count > LogLinesKept && log.TryDequeue(out _))
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dotnet host that runs these tests (the SDK sets DOTNET_HOST_PATH), else dotnet from PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet"
                ? Environment.ProcessPath!
                : "dotnet";

    private static string LocateApiAssembly()
    {
        var configured = Environment.GetEnvironmentVariable("MEDICALAID_API_DLL");
        var recorded = typeof(ApiServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "MedicalAidApiAssembly")?.Value;
        var path = string.IsNullOrWhiteSpace(configured) ? recorded : configured;
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path) || !File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException(
                $"MedicalAid.Api.dll with its runtimeconfig.json was not found (MEDICALAID_API_DLL='{configured}', recorded at build '{recorded}'). Build the solution first.");
        }

        return path;
    }
}

/// <summary>The API process did not become ready.</summary>
public sealed class ApiStartException(string message) : Exception(message);
