using System.Net;
using System.Text.Json;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Policies;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Tests;

public sealed class SqliteServiceTests(SqliteFixture fixture) : ServiceTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresServiceTests(PostgresFixture fixture) : ServiceTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>Operations and documentation: health, OpenAPI, Swagger UI, demo data.</summary>
public abstract class ServiceTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/swagger/index.html")]
    public async Task OperationalEndpoint_AnswersWithoutCredentials(string path)
    {
        using var client = App.CreateClient();
        using var response = await client.GetAsync(path, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryHospitalEndpointWithItsProblems()
    {
        using var client = App.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json", Cancel));
        var paths = document.RootElement.GetProperty("paths");

        var expected = new (string Path, string Method, string[] Statuses)[]
        {
            ("/api/v1/eligibility/{idNumber}", "get", ["200", "400", "401", "404"]),
            ("/api/v1/settlements/preview", "post", ["200", "400", "401", "413", "422"]),
            ("/api/v1/settlements", "post", ["201", "400", "401", "409", "413", "422"]),
            ("/api/v1/settlements", "get", ["200", "400", "401"]),
            ("/api/v1/settlements/{settlementId}", "get", ["200", "401", "404"]),
            ("/api/v1/settlements/{settlementId}/reversal", "post", ["200", "201", "400", "401", "404", "409", "422"]),
            ("/api/v1/settlements/reversal-by-request", "post", ["200", "400", "401", "422"]),
        };
        foreach (var (path, method, statuses) in expected)
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("operationId").GetString()));
            var documented = operation.GetProperty("responses").EnumerateObject().Select(response => response.Name).ToHashSet();
            Assert.Superset(statuses.ToHashSet(), documented);
        }

        var text = document.RootElement.GetRawText();
        foreach (var type in typeof(ProblemTypes).GetFields().Where(field => field.Name != nameof(ProblemTypes.Prefix)).Select(field => (string)field.GetValue(null)!)
                     .Where(type => type is not ProblemTypes.RequestInProgress and not ProblemTypes.Busy and not ProblemTypes.IdempotencyKeyMissing))
        {
            Assert.Contains(type, text, StringComparison.Ordinal);
        }

        Assert.Contains("ZY2026112800017", text, StringComparison.Ordinal);
        Assert.Contains("Idempotency-Key", text, StringComparison.Ordinal);
        Assert.Contains("X-Api-Key", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoSeeding_IsExactAndARestartAddsNothing()
    {
        var before = await CountsAsync(App);
        Assert.Equal(3, before.Hospitals);
        Assert.Equal(7, before.Categories);
        Assert.Equal(1, before.Policies);
        Assert.Equal(10, before.Funds);
        Assert.True(await App.WithDbAsync(db => db.Beneficiaries.CountAsync(beneficiary => beneficiary.IdNumber.StartsWith("140109") && !beneficiary.Name.StartsWith("测试"))) == 9);

        await using (var restarted = new MedicalAidApp(App.Database, ownsDatabase: false))
        {
            using var client = restarted.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", Cancel)).StatusCode);
        }

        Assert.Equal(before, await CountsAsync(App));
        // The units and staff accounts of docs/design.md §8 are seeded once too, with their roles and units.
        var staff = await App.WithDbAsync(db => db.Users.OrderBy(user => user.UserName)
            .Select(user => new { user.UserName, Unit = db.Units.Where(unit => unit.Id == user.UnitId).Select(unit => unit.Code).First() })
            .ToListAsync());
        Assert.Equal(
            [("demo-admin", "140100"), ("demo-auditor", "140100"), ("demo-clerk", "140109001"), ("demo-district", "140109"), ("demo-township", "140109001")],
            staff.Where(user => user.UserName!.StartsWith("demo-", StringComparison.Ordinal)).Select(user => (user.UserName!, user.Unit)).ToArray());
        Assert.Equal(1, await App.WithDbAsync(db => db.Units.CountAsync(unit => unit.Code == "140109001")));
        var inactive = await App.WithDbAsync(db => db.Beneficiaries.Include(beneficiary => beneficiary.StatusHistory).SingleAsync(beneficiary => beneficiary.Name == "周德明"));
        Assert.False(inactive.StatusOn(new DateOnly(2025, 1, 1))!.IsActive);
        Assert.True(inactive.StatusOn(new DateOnly(2024, 12, 31))!.IsActive);
    }

    private static Task<(int Hospitals, int Categories, int Policies, int Funds, int OpeningEntries, int Beneficiaries, int Units, int Staff, int StaffRoles)> CountsAsync(MedicalAidApp app) =>
        app.WithDbAsync(async db => (
            await db.Set<Hospital>().CountAsync(),
            await db.Set<Category>().CountAsync(),
            await db.Set<PolicyVersionRecord>().CountAsync(),
            await db.Set<Fund>().CountAsync(),
            await db.Set<LedgerEntry>().CountAsync(entry => entry.Kind == LedgerEntryKind.OpeningBalance),
            await db.Set<Beneficiary>().CountAsync(),
            await db.Units.CountAsync(),
            await db.Users.CountAsync(),
            await db.UserRoles.CountAsync()));
}
