using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace MedicalAid.Console.Tests.Infrastructure;

/// <summary>
/// The real service on Kestrel (a real socket, as a browser needs), on a real database with demo data, and Debian's
/// Chromium driven by Playwright. Where the database or the browser is missing the tests skip, unless CI (or
/// MEDICALAID_REQUIRE_BROWSER=1) requires them, when they fail.
/// </summary>
public abstract class ConsoleFixture(DatabaseProvider provider) : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private MedicalAidApp? app;
    private IPlaywright? playwright;
    private IBrowser? browser;

    public DatabaseProvider Provider { get; } = provider;

    public string? SkipReason { get; private set; }

    public MedicalAidApp App => app ?? throw new InvalidOperationException(SkipReason);

    public IBrowser Browser => browser ?? throw new InvalidOperationException(SkipReason);

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public static bool BrowserRequired =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("MEDICALAID_REQUIRE_BROWSER") == "1";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            const string reason = $"Chromium is not installed at {ChromiumPath} (apt-get install -y chromium fonts-noto-cjk; .ci/run does)";
            SkipReason = BrowserRequired ? throw new InvalidOperationException($"Browser tests are required here but: {reason}") : reason;
            return;
        }

        if (Provider == DatabaseProvider.Postgres && await PostgresServer.WhyUnavailableAsync() is { } unavailable)
        {
            SkipReason = PostgresServer.Required ? throw new InvalidOperationException($"PostgreSQL is required here (CI) but: {unavailable}") : unavailable;
            return;
        }

        app = new MedicalAidApp(await TestDatabase.CreateAsync(Provider));
        // The console's scripts and styles (Blazor's and MudBlazor's) are served from the build's static web assets.
        app.ConfigureHost = host => host.UseStaticWebAssets();
        app.UseKestrel(0);
        app.StartServer();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));

        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The machine has no network beyond loopback: Chromium's own background fetches would only fail.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteConsoleFixture() : ConsoleFixture(DatabaseProvider.Sqlite);

public sealed class PostgresConsoleFixture() : ConsoleFixture(DatabaseProvider.Postgres);
