using System.Net;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Tests;

/// <summary>Setting a service up: demo data only where it is safe, and the first administrator of a fresh database.</summary>
public sealed class StaffSetupTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DemoData_InProduction_StopsTheStart_UnlessAllowedExplicitly()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using (var refused = new MedicalAidApp(database, ownsDatabase: false))
        {
            refused.ExtraSettings["environment"] = "Production";

            var failure = Assert.Throws<OptionsValidationException>(() => refused.CreateClient());
            Assert.Contains("Demo:AllowInProduction", failure.Message, StringComparison.Ordinal);
        }

        await using var allowed = new MedicalAidApp(database, ownsDatabase: false);
        allowed.ExtraSettings["environment"] = "Production";
        allowed.ExtraSettings["Demo:AllowInProduction"] = "true";
        using var client = allowed.CreateClient();
        using var response = await client.GetAsync("/healthz", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task CreateAdminCommand_OnAFreshDatabase_CreatesTheCityAndAnAdminWhoMustChangeThePassword(DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Postgres && await PostgresServer.WhyUnavailableAsync() is { } reason)
        {
            Assert.SkipWhen(!PostgresServer.Required, reason);
            throw new InvalidOperationException(reason);
        }

        await using var database = await TestDatabase.CreateAsync(provider);
        var output = new StringWriter();
        int exitCode;
        await ConsoleLock.WaitAsync(Cancel);
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            exitCode = await StaffCommands.RunAsync(
            [
                "staff", "create-admin", "--username", "first-admin", "--display-name", "首位管理员", "--unit", "140100", "--unit-name", "太原市",
                "--Database:Provider", provider.ToString(), "--ConnectionStrings:MedicalAid", database.ConnectionString, "--environment", "Production",
            ]);
        }
        finally
        {
            Console.SetOut(original);
            ConsoleLock.Release();
        }

        Assert.Equal(0, exitCode);
        var printed = output.ToString();
        var password = printed.Split('\n').Single(line => line.StartsWith("One-time password", StringComparison.Ordinal)).Split(": ")[1].Trim();
        Assert.True(password.Length >= StaffIdentity.MinPasswordLength);
        Assert.DoesNotContain(database.ConnectionString, printed, StringComparison.Ordinal);

        await using var app = new MedicalAidApp(database, ownsDatabase: false);
        app.ExtraSettings["Demo:Enabled"] = "false";
        await app.WithDbAsync(async db =>
        {
            Assert.Equal(0, await db.Beneficiaries.CountAsync(Cancel));
            Assert.True(await db.AuditEntries.AnyAsync(entry => entry.Action == "staff.created" && entry.Actor == "console:create-admin", Cancel));
        });
        using var browser = new ConsoleBrowser(app);
        using var signIn = await browser.SignInAsync("first-admin", password);
        Assert.Equal("/console/account/password", signIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CreateAdminCommand_WithoutItsOptions_PrintsUsageAndFails()
    {
        var error = new StringWriter();
        int exitCode;
        await ConsoleLock.WaitAsync(Cancel);
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            exitCode = await StaffCommands.RunAsync(["staff", "create-admin", "--username", "only-a-name"]);
        }
        finally
        {
            Console.SetError(original);
            ConsoleLock.Release();
        }

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage:", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The console is the process's: one test at a time redirects it.</summary>
    private static readonly SemaphoreSlim ConsoleLock = new(1, 1);
}

/// <summary>A signing key that changes in configuration while the service runs, as `dotnet user-jwts` changes it.</summary>
public sealed class BearerKeyReloadTests
{
    [Fact]
    public async Task ASigningKeyChangedInConfiguration_IsAcceptedWithoutARestart()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource();
        await using var app = new MedicalAidApp(database, ownsDatabase: false)
        {
            ConfigureHost = host => host.ConfigureAppConfiguration((_, configuration) => configuration.Add(source)),
        };
        var newKey = Enumerable.Range(0, 32).Select(i => (byte)(i * 11 + 3)).ToArray();
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = StaffTokens.Issuer,
            Audience = StaffTokens.Audience,
            Claims = new Dictionary<string, object> { ["role"] = "auditor", ["name"] = "新钥匙" },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(newKey), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using (var before = await client.GetAsync("/api/v1/admin/beneficiaries", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);
        }

        var configuration = (Microsoft.Extensions.Configuration.IConfigurationRoot)app.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        var provider = configuration.Providers.OfType<Microsoft.Extensions.Configuration.Memory.MemoryConfigurationProvider>().Last();
        // As `dotnet user-jwts key --reset` does: the issuer's one key is replaced.
        provider.Set("Authentication:Schemes:Bearer:SigningKeys:0:Value", Convert.ToBase64String(newKey));
        configuration.Reload();

        using var after = await client.GetAsync("/api/v1/admin/beneficiaries", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
