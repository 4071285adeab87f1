using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Policies;
using MedicalAid.Api.Staff;
using MedicalAid.Api.Units;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Demo;

/// <summary>
/// Seeds docs/design.md §4 exactly, and only what is missing, so that a restart adds nothing.
/// Funds are opened for the current and the previous year with an opening-balance ledger entry each.
/// </summary>
public sealed partial class DemoSeeder(
    MedicalAidDbContext db, ServiceCalendar calendar, UserManager<StaffUser> users, CallbackSecrets callbackSecrets, ILogger<DemoSeeder> logger)
{
    /// <summary>The password of every demo account (docs/design.md §8): published, so demo data is refused in Production.</summary>
    public const string StaffPassword = "MedicalAid-demo-2026";

    private const string ZhouDeming = "140109194807070010";
    private const string MistypedZhouDeming = "140109194807070018";

    public const string City = "140100";
    public const string District = "140109";
    public const string Qianfeng = "140109001";
    public const string Xinghua = "140109002";

    public static IReadOnlyList<(string Code, string Name, string? Parent)> Units { get; } =
    [
        (City, "太原市", null),
        (District, "万柏林区", City),
        (Qianfeng, "千峰街道", District),
        (Xinghua, "兴华街道", District),
    ];

    public static IReadOnlyList<(string Username, string DisplayName, string Unit, string[] Roles)> Staff { get; } =
    [
        ("demo-admin", "市级管理员", City, [StaffAccess.Admin, StaffAccess.Approver]),
        ("demo-auditor", "市级审计员", City, [StaffAccess.Auditor]),
        ("demo-district", "万柏林区经办审批", District, [StaffAccess.Operator, StaffAccess.Approver]),
        ("demo-clerk", "千峰街道经办员", Qianfeng, [StaffAccess.Operator]),
        ("demo-township", "千峰街道经办审批", Qianfeng, [StaffAccess.Operator, StaffAccess.Approver]),
    ];

    /// <summary>The demo beneficiaries' registration date: before any date a demo settlement can have.</summary>
    private static readonly DateOnly RegisteredFrom = new(2020, 1, 1);

    public static IReadOnlyList<(string Code, string Name, HospitalLevel Level, string ApiKey)> Hospitals { get; } =
    [
        ("H001", "万柏林区中心医院", HospitalLevel.Secondary, "demo-h001-key"),
        ("H002", "太原市第三人民医院", HospitalLevel.Tertiary, "demo-h002-key"),
        ("H003", "万柏林区社区卫生服务中心", HospitalLevel.Primary, "demo-h003-key"),
    ];

    /// <summary>A demo hospital's callback secret: published like its key, so that the mock hospitals can verify signatures.</summary>
    public static string CallbackSecretOf(string hospitalCode) => $"demo-{hospitalCode.ToLowerInvariant()}-callback-secret";

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
        ("140109194807070010", "周德明", DemoPolicy.MinimumLiving, new DateOnly(2025, 1, 1)),
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

        var unitIds = await SeedUnitsAsync(cancellationToken);

        var knownCategories = await db.Categories.Select(category => category.Code).ToListAsync(cancellationToken);
        foreach (var (code, name) in DemoPolicy.Categories.Where(category => !knownCategories.Contains(category.Code)))
        {
            db.Categories.Add(new Category { Code = code, Name = name });
        }

        if (!await db.PolicyVersions.AnyAsync(policy => policy.Code == DemoPolicy.Version.Code, cancellationToken))
        {
            db.PolicyVersions.Add(PolicyVersionRecord.From(DemoPolicy.Version, now));
        }

        var demoCodes = Hospitals.Select(hospital => hospital.Code).ToArray();
        var knownHospitals = await db.Hospitals.Where(hospital => demoCodes.Contains(hospital.Code)).ToListAsync(cancellationToken);
        foreach (var (code, name, level, apiKey) in Hospitals.Where(hospital => knownHospitals.All(known => known.Code != hospital.Code)))
        {
            db.Hospitals.Add(new Hospital
            {
                Code = code,
                Name = name,
                Level = level,
                ApiKeyHash = Hospital.HashApiKey(apiKey),
                CallbackSecretProtected = callbackSecrets.Protect(CallbackSecretOf(code)),
            });
        }

        // Demo hospitals seeded before callbacks were signed get their published secret too, as do those whose stored
        // secret this key ring cannot read (a deleted key ring): the mock hospitals verify with the published one.
        foreach (var hospital in knownHospitals.Where(hospital => callbackSecrets.Unprotect(hospital.CallbackSecretProtected) is null))
        {
            hospital.CallbackSecretProtected = callbackSecrets.Protect(CallbackSecretOf(hospital.Code));
        }

        // 周德明 was once seeded under 140109194807070018, whose check character is wrong (MOD 11-2 gives 0): no hospital
        // request could name him. A demo database seeded then gets the valid number instead of a second 周德明.
        await db.Beneficiaries.Where(beneficiary => beneficiary.IdNumber == MistypedZhouDeming)
            .ExecuteUpdateAsync(set => set.SetProperty(beneficiary => beneficiary.IdNumber, ZhouDeming), cancellationToken);

        // Only the demo people are looked up: this runs at every start, and a registry holds a million people.
        var demoIdNumbers = Beneficiaries.Select(person => person.IdNumber).ToArray();
        var knownBeneficiaries = await db.Beneficiaries.Where(beneficiary => demoIdNumbers.Contains(beneficiary.IdNumber))
            .Select(beneficiary => beneficiary.IdNumber).ToListAsync(cancellationToken);
        foreach (var (idNumber, name, category, inactiveSince) in Beneficiaries.Where(person => !knownBeneficiaries.Contains(person.IdNumber)))
        {
            var beneficiary = new Beneficiary { IdNumber = idNumber, Name = name, DivisionCode = idNumber[..6], UnitId = unitIds[TownshipOf(idNumber)] };
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
        await PlaceDemoPeopleAsync(unitIds, cancellationToken);
        await SeedStaffAsync(unitIds);
        await transaction.CommitAsync(cancellationToken);
        LogSeeded(logger, thisYear - 1, thisYear);
    }

    /// <summary>The first five demo people live in 千峰街道, the other four in 兴华街道 (docs/design.md §8).</summary>
    public static string TownshipOf(string idNumber)
    {
        var index = Beneficiaries.Select(person => person.IdNumber).ToList().IndexOf(idNumber);
        return index is >= 0 and < 5 ? Qianfeng : Xinghua;
    }

    /// <summary>The demo units, renaming the ones a migration created from division codes; their ids by code.</summary>
    private async Task<Dictionary<string, long>> SeedUnitsAsync(CancellationToken cancellationToken)
    {
        var codes = Units.Select(unit => unit.Code).ToArray();
        var existing = await db.Units.Where(unit => codes.Contains(unit.Code)).ToDictionaryAsync(unit => unit.Code, cancellationToken);
        foreach (var (code, name, parentCode) in Units)
        {
            var parent = parentCode is null ? null : existing[parentCode];
            if (existing.TryGetValue(code, out var unit))
            {
                // A unit the migration named after its division code gets its real name; a name staff gave is kept.
                if (unit.Name == code)
                {
                    unit.Name = name;
                }

                continue;
            }

            unit = OrganisationUnit.Under(parent, code, name);
            db.Units.Add(unit);
            await db.SaveChangesAsync(cancellationToken);
            existing[code] = unit;
        }

        return existing.ToDictionary(pair => pair.Key, pair => pair.Value.Id, StringComparer.Ordinal);
    }

    /// <summary>Demo people a migration placed in the district move to their township; a move staff made is kept.</summary>
    private async Task PlaceDemoPeopleAsync(Dictionary<string, long> unitIds, CancellationToken cancellationToken)
    {
        var demoIdNumbers = Beneficiaries.Select(person => person.IdNumber).ToArray();
        var district = unitIds[District];
        var inDistrict = await db.Beneficiaries
            .Where(beneficiary => demoIdNumbers.Contains(beneficiary.IdNumber) && beneficiary.UnitId == district)
            .ToListAsync(cancellationToken);
        foreach (var beneficiary in inDistrict)
        {
            beneficiary.UnitId = unitIds[TownshipOf(beneficiary.IdNumber)];
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task SeedStaffAsync(Dictionary<string, long> unitIds)
    {
        foreach (var (username, displayName, unit, roles) in Staff)
        {
            if (await users.FindByNameAsync(username) is not null)
            {
                continue;
            }

            var account = new StaffUser { UserName = username, DisplayName = displayName, UnitId = unitIds[unit] };
            Require(await users.CreateAsync(account, StaffPassword), username);
            Require(await users.AddToRolesAsync(account, roles), username);
        }
    }

    private static void Require(IdentityResult result, string username)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not seed the demo account {username}: {string.Join(" ", result.Errors.Select(error => error.Description))}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data is in place: hospitals H001–H003, nine beneficiaries, units 140100–140109002, five staff accounts, funds {Previous}–{Current}")]
    private static partial void LogSeeded(ILogger logger, int previous, int current);
}
