using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Policies;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Demo;

/// <summary>
/// Seeds DESIGN §4 exactly, and only what is missing, so that a restart adds nothing.
/// Funds are opened for the current and the previous year with an opening-balance ledger entry each.
/// </summary>
public sealed partial class DemoSeeder(MedicalAidDbContext db, ServiceCalendar calendar, ILogger<DemoSeeder> logger)
{
    /// <summary>The demo beneficiaries' registration date: before any date a demo settlement can have.</summary>
    private static readonly DateOnly RegisteredFrom = new(2020, 1, 1);

    public static IReadOnlyList<(string Code, string Name, HospitalLevel Level, string ApiKey)> Hospitals { get; } =
    [
        ("H001", "万柏林区中心医院", HospitalLevel.Secondary, "demo-h001-key"),
        ("H002", "太原市第三人民医院", HospitalLevel.Tertiary, "demo-h002-key"),
        ("H003", "万柏林区社区卫生服务中心", HospitalLevel.Primary, "demo-h003-key"),
    ];

    public static IReadOnlyList<(string IdNumber, string Name, string Category, DateOnly? InactiveSince)> Beneficiaries { get; } =
    [
        ("14010919550312001X", "王建国", DemoPolicy.ExtremePoverty, null),
        ("140109196208150026", "李秀英", DemoPolicy.MinimumLiving, null),
        ("140109197001010039", "张伟", DemoPolicy.MinimumLiving, null),
        ("14010919881120004X", "刘芳", DemoPolicy.LowIncomeMarginal, null),
        ("140109195010010058", "陈志强", DemoPolicy.SpecialCare, null),
        ("140109199205060061", "杨敏", DemoPolicy.HeroicAct, null),
        ("140109201503090074", "赵小宇", DemoPolicy.Orphan, null),
        ("140109196609300080", "黄丽华", DemoPolicy.IllnessPoverty, null),
        ("140109194807070018", "周德明", DemoPolicy.MinimumLiving, new DateOnly(2025, 1, 1)),
    ];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = calendar.Now();
        var thisYear = calendar.Today().Year;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (db.Database.IsNpgsql())
        {
            // Several instances may start at once on one empty database: one seeds, the others then find it seeded.
            // (SQLite's IMMEDIATE transaction already admits one writer at a time.)
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(4242001)", cancellationToken);
        }

        var knownCategories = await db.Categories.Select(category => category.Code).ToListAsync(cancellationToken);
        foreach (var (code, name) in DemoPolicy.Categories.Where(category => !knownCategories.Contains(category.Code)))
        {
            db.Categories.Add(new Category { Code = code, Name = name });
        }

        if (!await db.PolicyVersions.AnyAsync(policy => policy.Code == DemoPolicy.Version.Code, cancellationToken))
        {
            db.PolicyVersions.Add(PolicyVersionRecord.From(DemoPolicy.Version, now));
        }

        var knownHospitals = await db.Hospitals.Select(hospital => hospital.Code).ToListAsync(cancellationToken);
        foreach (var (code, name, level, apiKey) in Hospitals.Where(hospital => !knownHospitals.Contains(hospital.Code)))
        {
            db.Hospitals.Add(new Hospital { Code = code, Name = name, Level = level, ApiKeyHash = Hospital.HashApiKey(apiKey) });
        }

        // Only the demo people are looked up: this runs at every start, and a registry holds a million people.
        var demoIdNumbers = Beneficiaries.Select(person => person.IdNumber).ToArray();
        var knownBeneficiaries = await db.Beneficiaries.Where(beneficiary => demoIdNumbers.Contains(beneficiary.IdNumber))
            .Select(beneficiary => beneficiary.IdNumber).ToListAsync(cancellationToken);
        foreach (var (idNumber, name, category, inactiveSince) in Beneficiaries.Where(person => !knownBeneficiaries.Contains(person.IdNumber)))
        {
            var beneficiary = new Beneficiary { IdNumber = idNumber, Name = name, DivisionCode = idNumber[..6] };
            beneficiary.StatusHistory.Add(new BeneficiaryStatusChange { EffectiveFrom = RegisteredFrom, CategoryCode = category, IsActive = true });
            if (inactiveSince is { } since)
            {
                beneficiary.StatusHistory.Add(new BeneficiaryStatusChange { EffectiveFrom = since, CategoryCode = category, IsActive = false });
            }

            db.Beneficiaries.Add(beneficiary);
        }

        await db.SaveChangesAsync(cancellationToken);

        foreach (var year in new[] { thisYear - 1, thisYear })
        {
            var open = await db.Funds.Where(fund => fund.Year == year).Select(fund => fund.Channel).ToListAsync(cancellationToken);
            var missing = Channels.InSettlementOrder.Where(channel => !open.Contains(channel)).ToList();
            var funds = missing.Select(channel => new Fund { Channel = channel, Year = year, Balance = Money.Zero }).ToList();
            db.Funds.AddRange(funds);
            await db.SaveChangesAsync(cancellationToken);

            var openingBalances = ChannelAmounts.Zero;
            foreach (var channel in missing)
            {
                openingBalances = openingBalances.With(channel, DemoPolicy.OpeningFundBalances[channel]);
            }

            FundLedger.Post(db, funds, openingBalances, new LedgerEntry
            {
                Kind = LedgerEntryKind.OpeningBalance,
                Year = year,
                Note = "Demo opening balance",
                CreatedAt = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogSeeded(logger, thisYear - 1, thisYear);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data is in place: hospitals H001–H003, nine beneficiaries, funds {Previous}–{Current}")]
    private static partial void LogSeeded(ILogger logger, int previous, int current);
}
