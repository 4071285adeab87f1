using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using MedicalAid.Contracts.Admin;

namespace MedicalAid.LoadDriver;

/// <summary>
/// The MedicalAid API as a real process: <c>dotnet MedicalAid.Api.dll</c> (a Release build) on Kestrel, on a free
/// loopback port, configured only through environment variables, its output written to a log file.
/// </summary>
internal sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter logWriter;

    private ApiProcess(Process process, StreamWriter logWriter, Uri baseAddress, string logPath)
    {
        this.process = process;
        this.logWriter = logWriter;
        BaseAddress = baseAddress;
        LogPath = logPath;
    }

    public Uri BaseAddress { get; }

    public string LogPath { get; }

    public int Pid => process.Id;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Environment shared by every benchmark start: demo data (hospital keys H001–H003), no rate limit in the way, production settings otherwise.</summary>
    public static Dictionary<string, string> BaseEnvironment(StaffToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var environment = new Dictionary<string, string>(token.ApiEnvironment, StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_NOLOGO"] = "1",
            ["Demo__Enabled"] = "true",
            ["Database__MigrateOnStartup"] = "true",

            // The per-hospital token bucket (200/s by default) would cap a benchmark at 600 settlements/s.
            ["RateLimiting__Hospital__PermitsPerSecond"] = "1000000",
            ["RateLimiting__Hospital__Burst"] = "1000000",
        };
        return environment;
    }

    public static async Task<ApiProcess> StartAsync(string dllPath, IReadOnlyDictionary<string, string> environment, string logPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!File.Exists(dllPath))
        {
            throw new FileNotFoundException($"No API build at {dllPath}: run `dotnet build -c Release src/MedicalAid.Api` first.", dllPath);
        }

        var port = FreePort();
        var baseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dllPath))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.GetFullPath(dllPath));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.AbsoluteUri.TrimEnd('/'));
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var logWriter = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Write(logWriter, line.Data);
        process.ErrorDataReceived += (_, line) => Write(logWriter, line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var api = new ApiProcess(process, logWriter, baseAddress, logPath);
        try
        {
            await api.WaitReadyAsync(TimeSpan.FromSeconds(120), cancellationToken);
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>Peak RSS (VmHWM) in MiB since start or the last <see cref="ResetPeakMemory"/>.</summary>
    public double? PeakMemoryMiB => ProcStats.PeakResidentBytes(Pid) is { } bytes ? bytes / 1048576.0 : null;

    public void ResetPeakMemory() => ProcStats.ResetPeak(Pid);

    /// <summary>A staff client with an admin token.</summary>
    public HttpClient StaffClient(StaffToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(20) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Create("admin", TimeSpan.FromHours(6)));
        return client;
    }

    /// <summary>Registers <paramref name="members"/> through the staff CSV import (all or nothing).</summary>
    public async Task ImportPopulationAsync(StaffToken token, IReadOnlyList<PopulationMember> members, CancellationToken cancellationToken)
    {
        using var staff = StaffClient(token);
        // The population's district is a unit of the demo city, created once (a second run finds it: 409).
        using var unit = await staff.PostAsJsonAsync("api/v1/admin/units",
            new CreateUnitRequest { Code = Population.DivisionCode, Name = Population.DistrictName, ParentCode = Population.CityCode }, cancellationToken);
        if (!unit.IsSuccessStatusCode && unit.StatusCode != System.Net.HttpStatusCode.Conflict)
        {
            throw new InvalidOperationException($"Creating the population's unit answered {(int)unit.StatusCode}: {await unit.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var content = new ByteArrayContent(Population.ToImportCsv(members));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        using var response = await staff.PostAsync("api/v1/admin/beneficiaries/import?mode=all-or-nothing", content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Beneficiary import answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var report = await response.Content.ReadFromJsonAsync<BeneficiaryImportReport>(cancellationToken)
            ?? throw new InvalidOperationException("Beneficiary import answered no report.");
        if (!report.Committed || report.Imported != members.Count)
        {
            throw new InvalidOperationException($"Beneficiary import registered {report.Imported} of {members.Count} ({report.Rejected} rejected, first: {(report.Errors.Count > 0 ? report.Errors[0].Reason : "none")}).");
        }
    }

    /// <summary>Tops up every channel's fund of each year by <paramref name="yuan"/>, so that no run exhausts a fund.</summary>
    public async Task TopUpFundsAsync(StaffToken token, IEnumerable<int> years, decimal yuan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(years);
        using var staff = StaffClient(token);
        foreach (var year in years.Distinct())
        {
            foreach (var channel in new[] { "insuranceSubsidy", "outpatient", "inpatient", "temporary", "charity" })
            {
                using var response = await staff.PostAsJsonAsync(
                    string.Create(CultureInfo.InvariantCulture, $"api/v1/admin/funds/{year}/{channel}/top-ups"),
                    new TopUpRequest { Amount = yuan, Reason = "benchmark" },
                    cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"Top-up of {year} {channel} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
        }
    }

    /// <summary>The service years a settlement sent now can have (yesterday and today in China).</summary>
    public static IReadOnlyList<int> CurrentServiceYears()
    {
        var china = DateTime.UtcNow + TimeSpan.FromHours(8);
        return [china.AddDays(-1).Year, china.Year];
    }

    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }

        // SIGTERM lets the host shut down (connections closed, SQLite checkpointed); SIGKILL only if it hangs.
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        process.Dispose();
        await logWriter.DisposeAsync();
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Clock.Now + Clock.Ticks(timeout);
        while (Clock.Now < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with code {process.ExitCode} while starting; see {LogPath}.");
            }

            try
            {
                using var response = await http.GetAsync("readyz", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not answering yet.
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException($"The API was not ready within {timeout.TotalSeconds:0} s; see {LogPath}.");
    }

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (writer)
        {
            writer.WriteLine(line);
        }
    }
}
