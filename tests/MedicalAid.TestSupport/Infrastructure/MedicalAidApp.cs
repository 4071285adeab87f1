using System.Net.Http.Json;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Reports;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Units;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace MedicalAid.Api.Tests.Infrastructure;

/// <summary>
/// The real API in process, on a real database of its own, with demo data and the clock fixed at
/// 2026-11-29 12:00 in Shanghai.
/// </summary>
public sealed class MedicalAidApp(TestDatabase database, bool ownsDatabase = true) : WebApplicationFactory<Program>
{
    public static readonly DateTimeOffset Now = new(2026, 11, 29, 4, 0, 0, TimeSpan.Zero);
    public static readonly DateOnly Today = new(2026, 11, 29);

    private int nextBeneficiary;

    public TestDatabase Database { get; } = database;

    public FakeTimeProvider Clock { get; } = new(Now);

    /// <summary>Every line the app logged.</summary>
    public LogSink Logs { get; } = new();

    /// <summary>The host environment: Testing unless a test needs Production's defaults; set before first use.</summary>
    public string Environment { get; set; } = "Testing";

    /// <summary>Settings a test needs beyond the defaults (for example a low rate limit); set before first use.</summary>
    public Dictionary<string, string> ExtraSettings { get; } = [];

    /// <summary>More host set-up for a kind of test (the browser tests serve the console's static files); set before first use.</summary>
    public Action<IWebHostBuilder>? ConfigureHost { get; set; }

    public static async Task<MedicalAidApp> StartAsync(DatabaseProvider provider)
    {
        var app = new MedicalAidApp(await TestDatabase.CreateAsync(provider));
        await app.Services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope().DisposeAsync();
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("Database:Provider", Database.Provider.ToString());
        builder.UseSetting("ConnectionStrings:MedicalAid", Database.ConnectionString);
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("Demo:Enabled", "true");
        // The mock hospitals listen on plain http on the loopback address.
        builder.UseSetting("Callbacks:AllowPrivateNetworks", "true");
        builder.UseSetting("Callbacks:AllowHttp", "true");
        builder.UseSetting("Authentication:Schemes:Bearer:ValidIssuer", StaffTokens.Issuer);
        builder.UseSetting("Authentication:Schemes:Bearer:ValidAudiences:0", StaffTokens.Audience);
        builder.UseSetting("Authentication:Schemes:Bearer:SigningKeys:0:Issuer", StaffTokens.Issuer);
        builder.UseSetting("Authentication:Schemes:Bearer:SigningKeys:0:Value", StaffTokens.SigningKeyBase64);
        builder.UseSetting("Authentication:Schemes:Bearer:SigningKeys:0:Length", "32");
        // Tests share one address (TestServer has none) and some send wrong keys on purpose: the guard against guessing
        // is tested by an app of its own with a low limit.
        builder.UseSetting("RateLimiting:FailedApiKey:PermitLimit", "1000000");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        foreach (var (key, value) in ExtraSettings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        ConfigureHost?.Invoke(builder);
    }

    /// <summary>
    /// Units for the other division codes the tests register people in (beside the demo's 140109): districts of the demo
    /// city and a second city, so that a registration can default to the district of its division code.
    /// </summary>
    public static IReadOnlyList<(string Code, string Name, string? Parent)> TestUnits { get; } =
    [
        ("140105", "小店区", DemoSeeder.City),
        ("140106", "迎泽区", DemoSeeder.City),
        ("140107", "杏花岭区", DemoSeeder.City),
        ("110100", "北京市", null),
        ("110101", "东城区", "110100"),
        ("110105", "朝阳区", "110100"),
    ];

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MedicalAidDbContext>();
        foreach (var (code, name, parentCode) in TestUnits)
        {
            if (db.Units.Any(unit => unit.Code == code))
            {
                continue;
            }

            var parent = parentCode is null ? null : db.Units.SingleOrDefault(unit => unit.Code == parentCode);
            if (parentCode is not null && parent is null)
            {
                // Without demo data (a Production test) there is no demo city to hang them under.
                continue;
            }

            db.Units.Add(OrganisationUnit.Under(parent, code, name));
            db.SaveChanges();
        }

        return host;
    }

    public HttpClient Hospital(string apiKey = Keys.H001)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>
    /// A civil-affairs staff client with a bearer token carrying <paramref name="role"/>, and <paramref name="unit"/> as
    /// its unit claim (none: city level).
    /// </summary>
    public HttpClient Staff(string role, string name = "测试员", string? unit = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", StaffTokens.Create(role, name, unit: unit));
        return client;
    }

    public async Task<T> WithDbAsync<T>(Func<MedicalAidDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<MedicalAidDbContext>());
    }

    public Task WithDbAsync(Func<MedicalAidDbContext, Task> work) =>
        WithDbAsync(async db =>
        {
            await work(db);
            return true;
        });

    /// <summary>
    /// Registers a new active beneficiary of <paramref name="category"/> in unit <paramref name="unitCode"/> (the demo
    /// district by default), so that a test starts from an empty year.
    /// </summary>
    public async Task<PatientIdentity> NewBeneficiaryAsync(string category, string unitCode = DemoSeeder.District)
    {
        var number = Interlocked.Increment(ref nextBeneficiary);
        var birthDate = new DateOnly(1940, 1, 1).AddDays(number * 7);
        var first17 = $"140109{birthDate:yyyyMMdd}{number % 1000:D3}";
        var idNumber = first17 + ResidentIdNumber.ComputeCheckCharacter(first17);
        var name = $"测试{number}";
        await WithDbAsync(async db =>
        {
            var unitId = await db.Units.Where(unit => unit.Code == unitCode).Select(unit => unit.Id).SingleAsync();
            var beneficiary = new Beneficiary { IdNumber = idNumber, Name = name, DivisionCode = "140109", UnitId = unitId };
            beneficiary.StatusHistory.Add(new BeneficiaryStatusChange { EffectiveFrom = new DateOnly(2020, 1, 1), CategoryCode = category, IsActive = true });
            db.Beneficiaries.Add(beneficiary);
            await db.SaveChangesAsync();
        });
        return new PatientIdentity { IdNumber = idNumber, Name = name };
    }

    /// <summary>Moves a fund to <paramref name="balance"/> through a ledger entry, as a staff adjustment would.</summary>
    public Task SetFundBalanceAsync(int year, Channel channel, Money balance) =>
        WithDbAsync(async db =>
        {
            var fund = await db.Funds.SingleAsync(candidate => candidate.Year == year && candidate.Channel == channel);
            db.LedgerEntries.Add(new LedgerEntry
            {
                FundId = fund.Id,
                Channel = channel,
                Year = year,
                Kind = LedgerEntryKind.TopUp,
                Amount = balance - fund.Balance,
                Note = "test adjustment",
                CreatedAt = Now,
            });
            fund.Balance = balance;
            await db.SaveChangesAsync();
        });

    public Task<int> CountAsync<TEntity>()
        where TEntity : class =>
        WithDbAsync(db => db.Set<TEntity>().CountAsync());

    /// <summary>
    /// docs/design.md §6 invariants over the whole database: every balance equals its ledger and is ≥ 0; every usage row
    /// equals the sum of its unreversed settlements and stays within the demo policy's caps; every settlement
    /// satisfies T = I + A + temporary + charity + P; at most one unreversed settlement per visit.
    /// </summary>
    public Task AssertInvariantsAsync() =>
        WithDbAsync(async db =>
        {
            var funds = await db.Funds.AsNoTracking().ToListAsync();
            var ledger = await db.LedgerEntries.AsNoTracking().Select(entry => new { entry.FundId, entry.Amount }).ToListAsync();
            foreach (var fund in funds)
            {
                var ledgerSum = new Money(ledger.Where(entry => entry.FundId == fund.Id).Sum(entry => entry.Amount.Fen));
                Assert.True(fund.Balance == ledgerSum, $"{fund.Channel} {fund.Year}: balance {fund.Balance} but ledger {ledgerSum}");
                Assert.False(fund.Balance.IsNegative, $"{fund.Channel} {fund.Year} is below zero");
            }

            var settlements = await db.Settlements.AsNoTracking().ToListAsync();
            foreach (var settlement in settlements)
            {
                Assert.Equal(
                    settlement.Total,
                    settlement.Bill.InsurancePaid + settlement.Outpatient + settlement.Inpatient + settlement.Temporary + settlement.Charity + settlement.PatientPays);
                Assert.False(settlement.PatientPays.IsNegative);
            }

            var unreversed = settlements.Where(settlement => settlement.Status == SettlementState.Settled).ToList();
            Assert.Equal(unreversed.Count, unreversed.Select(settlement => (settlement.HospitalId, settlement.VisitNumber)).Distinct().Count());

            // The report's rollups say what the settlements say.
            var monthly = settlements
                .GroupBy(s => (s.ServiceYear, s.ServiceDate.Month, s.HospitalCode, s.CategoryCode, Shard: (int)(s.BeneficiaryId % MonthlySettlementTotal.ShardCount)))
                .ToDictionary(group => group.Key, group =>
                {
                    var kept = group.Where(s => s.Status == SettlementState.Settled).ToList();
                    return (kept.Count, group.Count() - kept.Count, kept.Aggregate(ChannelAmounts.Zero, (sum, s) => sum + s.FundDebits));
                });
            var rollups = (await db.MonthlySettlementTotals.AsNoTracking().ToListAsync()).ToDictionary(
                row => (row.Year, row.Month, row.HospitalCode, row.CategoryCode, row.Shard),
                row => ((int)row.SettlementCount, (int)row.ReversedCount, new ChannelAmounts(row.InsuranceSubsidy, row.Outpatient, row.Inpatient, row.Temporary, row.Charity)));
            Assert.Equal(monthly.OrderBy(pair => pair.Key), rollups.OrderBy(pair => pair.Key));
            var personMonths = unreversed
                .SelectMany(s => new[] { (PersonDimension.All, ""), (PersonDimension.Hospital, s.HospitalCode), (PersonDimension.Category, s.CategoryCode) }
                    .Select(dimension => (s.ServiceYear, s.BeneficiaryId, dimension.Item1, dimension.Item2, Bit: PersonSettledMonths.MonthBit(s.ServiceDate.Month))))
                .GroupBy(row => (row.ServiceYear, row.BeneficiaryId, row.Item3, row.Item4))
                .ToDictionary(group => group.Key, group => group.Aggregate(0, (months, row) => months | row.Bit));
            var personRollups = (await db.PersonSettledMonths.AsNoTracking().ToListAsync())
                .ToDictionary(row => (row.Year, row.BeneficiaryId, row.Dimension, row.Key), row => row.Months);
            Assert.Equal(personMonths.OrderBy(pair => pair.Key), personRollups.OrderBy(pair => pair.Key));

            var policy = DemoPolicy.Version;
            var subsidyPayments = await db.PremiumSubsidyPayments.AsNoTracking().ToListAsync();
            foreach (var usage in await db.BeneficiaryYearUsages.AsNoTracking().ToListAsync())
            {
                var subsidyRuns = subsidyPayments
                    .Where(payment => payment.BeneficiaryId == usage.BeneficiaryId && payment.Year == usage.Year)
                    .Aggregate(Money.Zero, (sum, payment) => sum + payment.Amount);
                var expected = unreversed
                    .Where(settlement => settlement.BeneficiaryId == usage.BeneficiaryId && settlement.ServiceYear == usage.Year)
                    .Aggregate(YearUsage.None with { InsuranceSubsidy = subsidyRuns }, (sum, settlement) => sum + settlement.UsageChange);
                Assert.Equal(expected, usage.ToUsage());
                Assert.True(usage.Outpatient + usage.Inpatient <= policy.SharedAnnualCap, $"shared annual cap exceeded: {usage.Outpatient + usage.Inpatient}");
                Assert.True(usage.Outpatient <= policy.Categories[0].Outpatient.AnnualCap, $"outpatient cap exceeded: {usage.Outpatient}");
                Assert.True(usage.Temporary <= policy.Temporary.AnnualCap, $"temporary cap exceeded: {usage.Temporary}");
            }
        });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (ownsDatabase)
        {
            await Database.DisposeAsync();
        }
    }
}

public static class Keys
{
    public const string H001 = "demo-h001-key";
    public const string H002 = "demo-h002-key";
    public const string H003 = "demo-h003-key";
}

/// <summary>Builders for settlement requests, in yuan as a hospital sends them.</summary>
public static class Requests
{
    public static SettlementRequest Inpatient(
        PatientIdentity patient, decimal total, decimal policyScope, decimal basicInsurancePaid, string? visitNumber = null, DateOnly? dischargeDate = null) =>
        new()
        {
            VisitNumber = visitNumber ?? NewVisitNumber("ZY"),
            VisitType = Contracts.VisitType.Inpatient,
            Patient = patient,
            AdmissionDate = (dischargeDate ?? MedicalAidApp.Today.AddDays(-1)).AddDays(-8),
            DischargeDate = dischargeDate ?? MedicalAidApp.Today.AddDays(-1),
            DiagnosisCodes = ["J18.9"],
            Amounts = new BillAmounts { Total = total, PolicyScope = policyScope, BasicInsurancePaid = basicInsurancePaid },
        };

    public static SettlementRequest Outpatient(PatientIdentity patient, decimal total, decimal policyScope, decimal basicInsurancePaid, DateOnly? visitDate = null) =>
        new()
        {
            VisitNumber = NewVisitNumber("MZ"),
            VisitType = Contracts.VisitType.Outpatient,
            Patient = patient,
            VisitDate = visitDate ?? MedicalAidApp.Today.AddDays(-1),
            DiagnosisCodes = ["E11.9"],
            Amounts = new BillAmounts { Total = total, PolicyScope = policyScope, BasicInsurancePaid = basicInsurancePaid },
        };

    public static string NewVisitNumber(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..24];

    public static async Task<HttpResponseMessage> SettleAsync(this HttpClient client, SettlementRequest request, string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/settlements") { Content = JsonContent.Create(request) };
        message.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString());
        return await client.SendAsync(message);
    }

    public static async Task<HttpResponseMessage> ReverseAsync(this HttpClient client, Guid settlementId, string? idempotencyKey = null, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var message = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/settlements/{settlementId}/reversal")
        {
            Content = JsonContent.Create(new ReversalRequest { Reason = reason }),
        };
        message.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString());
        return await client.SendAsync(message);
    }
}
