using System.Net;
using System.Net.Http.Json;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Api.Units;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace MedicalAid.Api.Tests;

public sealed class SqliteOrganisationUnitTests(SqliteFixture fixture) : OrganisationUnitTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresOrganisationUnitTests(PostgresFixture fixture) : OrganisationUnitTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>The unit tree: administrators create, rename and move units; existing registries migrate into it.</summary>
public abstract class OrganisationUnitTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string Route = "/api/v1/admin/units";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static int created;

    [Fact]
    public async Task DemoUnits_ListAsATree_CityDistrictTownships()
    {
        using var admin = App.Staff(StaffAccess.Admin);

        var tree = (await admin.GetFromJsonAsync<UnitNode[]>(Route, Cancel))!;

        var city = Assert.Single(tree, unit => unit.Code == DemoSeeder.City);
        Assert.Equal(("太原市", "city", (string?)null), (city.Name, city.Level, city.ParentCode));
        var district = Assert.Single(city.Children, unit => unit.Code == DemoSeeder.District);
        Assert.Equal(("万柏林区", "district"), (district.Name, district.Level));
        Assert.Equal(
            [(DemoSeeder.Qianfeng, "千峰街道", "township"), (DemoSeeder.Xinghua, "兴华街道", "township")],
            district.Children.Select(unit => (unit.Code, unit.Name, unit.Level)).ToArray());
    }

    [Fact]
    public async Task CreateRenameAndMove_KeepTheTreeAndTheScopeOfItsPeople_AndAreAudited()
    {
        using var admin = App.Staff(StaffAccess.Admin);
        var township = NextCode("1401");
        using var create = await admin.PostAsJsonAsync(Route, new CreateUnitRequest { Code = township, Name = "新设街道", ParentCode = DemoSeeder.District }, Cancel);
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.Equal($"{Route}/{township}", create.Headers.Location?.OriginalString);
        Assert.Equal("township", (await create.Content.ReadFromJsonAsync<UnitNode>(Cancel))!.Level);
        var person = await App.NewBeneficiaryAsync(Engine.DemoPolicy.MinimumLiving, township);
        using var districtClerk = App.Staff(StaffAccess.Operator, "区经办", unit: DemoSeeder.District);
        Assert.Equal(1, await CountAsync(districtClerk, person.IdNumber));

        using var rename = await admin.PutAsJsonAsync($"{Route}/{township}", new UpdateUnitRequest { Name = "改名街道" }, Cancel);
        Assert.Equal("改名街道", (await rename.Content.ReadFromJsonAsync<UnitNode>(Cancel))!.Name);

        using var move = await admin.PutAsJsonAsync($"{Route}/{township}", new UpdateUnitRequest { Name = "改名街道", ParentCode = "140105" }, Cancel);
        Assert.Equal(HttpStatusCode.OK, move.StatusCode);
        Assert.Equal("140105", (await move.Content.ReadFromJsonAsync<UnitNode>(Cancel))!.ParentCode);
        Assert.Equal(0, await CountAsync(districtClerk, person.IdNumber));
        using var otherDistrict = App.Staff(StaffAccess.Operator, "小店区经办", unit: "140105");
        Assert.Equal(1, await CountAsync(otherDistrict, person.IdNumber));
        var path = await App.WithDbAsync(db => db.Units.Where(unit => unit.Code == township).Select(unit => unit.Path).SingleAsync());
        Assert.Equal($"/{DemoSeeder.City}/140105/{township}/", path);

        var actions = await App.WithDbAsync(db => db.AuditEntries.Where(entry => entry.EntityType == UnitService.AuditEntityType && entry.EntityId == township)
            .OrderBy(entry => entry.Id).Select(entry => entry.Action).ToListAsync());
        Assert.Equal(["unit.created", "unit.renamed", "unit.moved"], actions);
    }

    [Fact]
    public async Task MovingADistrict_MovesItsTownshipsWithIt()
    {
        using var admin = App.Staff(StaffAccess.Admin);
        var city = NextCode("9");
        var district = NextCode("8");
        var township = NextCode("7");
        foreach (var (code, parent) in new (string, string?)[] { (city, null), (district, DemoSeeder.City), (township, district) })
        {
            using var response = await admin.PostAsJsonAsync(Route, new CreateUnitRequest { Code = code, Name = $"单位{code}", ParentCode = parent }, Cancel);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        using var move = await admin.PutAsJsonAsync($"{Route}/{district}", new UpdateUnitRequest { Name = "迁移区", ParentCode = city }, Cancel);

        Assert.Equal(HttpStatusCode.OK, move.StatusCode);
        var path = await App.WithDbAsync(db => db.Units.Where(unit => unit.Code == township).Select(unit => unit.Path).SingleAsync());
        Assert.Equal($"/{city}/{district}/{township}/", path);
    }

    [Theory]
    [InlineData("""{"code":"","name":"空"}""", "code")]
    [InlineData("""{"code":"has space","name":"空格"}""", "code")]
    [InlineData("""{"code":"1234567890123","name":"太长"}""", "code")]
    [InlineData("""{"code":"555501","name":""}""", "name")]
    [InlineData("""{"code":"555502","name":"无父","parentCode":"nowhere"}""", "parentCode")]
    [InlineData("""{"code":"555503","name":"街道下","parentCode":"140109001"}""", "parentCode")]
    public async Task Create_WithBadInput_IsAFieldLevelProblem_AndRecordsNothing(string body, string field)
    {
        using var admin = App.Staff(StaffAccess.Admin);
        var before = await App.WithDbAsync(async db => (await db.Units.CountAsync(), await db.AuditEntries.CountAsync()));

        using var response = await admin.PostAsync(Route, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(before, await App.WithDbAsync(async db => (await db.Units.CountAsync(), await db.AuditEntries.CountAsync())));
    }

    [Theory]
    [InlineData(DemoSeeder.Qianfeng, DemoSeeder.City)]
    [InlineData(DemoSeeder.District, DemoSeeder.Xinghua)]
    [InlineData(DemoSeeder.City, DemoSeeder.District)]
    public async Task Move_UnderAParentOfTheWrongLevel_Is400AndChangesNothing(string unit, string parent)
    {
        using var admin = App.Staff(StaffAccess.Admin);

        using var response = await admin.PutAsJsonAsync($"{Route}/{unit}", new UpdateUnitRequest { Name = "不动", ParentCode = parent }, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var name = await App.WithDbAsync(db => db.Units.Where(candidate => candidate.Code == unit).Select(candidate => candidate.Name).SingleAsync());
        Assert.NotEqual("不动", name);
    }

    [Fact]
    public async Task Create_ADuplicateCode_Is409_AndAnUnknownUnitIs404()
    {
        using var admin = App.Staff(StaffAccess.Admin);

        using var duplicate = await admin.PostAsJsonAsync(Route, new CreateUnitRequest { Code = DemoSeeder.Qianfeng, Name = "重复", ParentCode = DemoSeeder.District }, Cancel);
        using var unknown = await admin.PutAsJsonAsync($"{Route}/no-such-unit", new UpdateUnitRequest { Name = "无" }, Cancel);

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(ProblemTypes.Duplicate, (await duplicate.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(Cancel))!.Type);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ARegistryBeforeUnits_Migrates_EveryPersonIntoTheUnitOfTheirDivisionCode()
    {
        await using var database = await TestDatabase.CreateAsync(App.Database.Provider);
        var previous = database.Provider == DatabaseProvider.Sqlite ? "20261129025822_ReportRollups" : "20261129025952_ReportRollups";
        await using (var db = Context(database))
        {
            await db.GetService<IMigrator>().MigrateAsync(previous, Cancel);
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO "Beneficiaries" ("IdNumber", "Name", "DivisionCode") VALUES
                  ('14010919550312001X', '王建国', '140109'),
                  ('140105199001010011', '小店甲', '140105'),
                  ('140105199001010029', '小店乙', '140105'),
                  ('110101199001010015', '东城甲', '110101'),
                  ('140100199001010019', '市辖甲', '140100');
                INSERT INTO "AuditEntries" ("At", "Actor", "Action", "EntityType", "EntityId", "Before", "After") VALUES
                  ('2026-01-01T00:00:00+00:00', 'a', 'beneficiary.created', 'beneficiary', '2', NULL, NULL),
                  ('2026-01-01T00:00:00+00:00', 'a', 'beneficiary.imported', 'beneficiary', 'import', NULL, NULL);
                """.Replace("'2026-01-01T00:00:00+00:00'", database.Provider == DatabaseProvider.Sqlite ? "0" : "'2026-01-01T00:00:00+00:00'", StringComparison.Ordinal), Cancel);
            await db.Database.MigrateAsync(Cancel);

            var placed = await db.Beneficiaries.AsNoTracking().OrderBy(person => person.IdNumber)
                .Select(person => new { person.IdNumber, person.Unit!.Code, person.Unit.Path, person.Unit.Level }).ToListAsync(Cancel);
            Assert.Equal(
                [
                    ("110101199001010015", "110101", "/110100/110101/", UnitLevel.District),
                    ("140100199001010019", "140100", "/140100/", UnitLevel.City),
                    ("140105199001010011", "140105", "/140100/140105/", UnitLevel.District),
                    ("140105199001010029", "140105", "/140100/140105/", UnitLevel.District),
                    ("14010919550312001X", "140109", "/140100/140109/", UnitLevel.District),
                ],
                placed.Select(person => (person.IdNumber, person.Code, person.Path, person.Level)).OrderBy(row => row.IdNumber, StringComparer.Ordinal).ToArray());
            Assert.Equal(5, await db.Units.CountAsync(Cancel));
            var audit = await db.AuditEntries.AsNoTracking().OrderBy(entry => entry.Id).Select(entry => entry.BeneficiaryId).ToListAsync(Cancel);
            Assert.Equal([2L, null], audit);
        }

        // The demo data then names the migrated units and moves the demo person from the district to their township.
        await using var app = new MedicalAidApp(database, ownsDatabase: false);
        await app.WithDbAsync(async db =>
        {
            var city = await db.Units.SingleAsync(unit => unit.Code == DemoSeeder.City, Cancel);
            Assert.Equal("太原市", city.Name);
            var wang = await db.Beneficiaries.Include(person => person.Unit).SingleAsync(person => person.IdNumber == "14010919550312001X", Cancel);
            Assert.Equal(DemoSeeder.Qianfeng, wang.Unit!.Code);
        });
    }

    private static MedicalAidDbContext Context(TestDatabase database)
    {
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            var sqlite = new DbContextOptionsBuilder<SqliteMedicalAidDbContext>();
            DatabaseSetup.UseSqlite(sqlite, database.ConnectionString);
            return new SqliteMedicalAidDbContext(sqlite.Options);
        }

        var postgres = new DbContextOptionsBuilder<PostgresMedicalAidDbContext>();
        DatabaseSetup.UsePostgres(postgres, database.ConnectionString);
        return new PostgresMedicalAidDbContext(postgres.Options);
    }

    private static async Task<int> CountAsync(HttpClient client, string idNumber)
    {
        var page = (await client.GetFromJsonAsync<Page<BeneficiaryListItem>>($"/api/v1/admin/beneficiaries?idNumber={idNumber}", Cancel))!;
        return (int)page.Total;
    }

    private static string NextCode(string prefix) => $"{prefix}{Interlocked.Increment(ref created):D3}{Random.Shared.Next(1000, 9999)}";
}

public sealed class SqliteUnitImportTests(SqliteFixture fixture) : UnitImportTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresUnitImportTests(PostgresFixture fixture) : UnitImportTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>The roster import places each person in a unit of the importer's scope, line by line.</summary>
public abstract class UnitImportTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Import_PlacesEachLineInItsUnit_AndRefusesALineWithNoUnitInScope()
    {
        var township = BeneficiaryTestData.NextIdNumber();
        var byDivision = BeneficiaryTestData.NextIdNumber();
        var outside = BeneficiaryTestData.NextIdNumber();
        var csv = $"""
            idNumber,name,category,effectiveFrom,active,divisionCode,unitCode
            {township},街道甲,minimum-living,2024-01-01,true,,{DemoSeeder.Qianfeng}
            {byDivision},区里乙,minimum-living,2024-01-01,true,140109,
            {outside},别处丙,minimum-living,2024-01-01,true,,{DemoSeeder.Xinghua}
            """;
        using var townshipClerk = App.Staff(StaffAccess.Operator, "街道导入员", unit: DemoSeeder.Qianfeng);
        using var districtClerk = App.Staff(StaffAccess.Operator, "区导入员", unit: DemoSeeder.District);

        var asTownship = await ImportAsync(townshipClerk, csv);
        var asDistrict = await ImportAsync(districtClerk, csv);

        Assert.False(asTownship.Committed);
        Assert.Equal([3L, 4L], asTownship.Errors.Select(error => error.Line).ToArray());
        Assert.All(asTownship.Errors, error => Assert.StartsWith("unitCode:", error.Reason, StringComparison.Ordinal));
        Assert.True(asDistrict.Committed);
        Assert.Equal(3, asDistrict.Imported);
        var units = await App.WithDbAsync(db => db.Beneficiaries.Where(person => new[] { township, byDivision, outside }.Contains(person.IdNumber))
            .Select(person => new { person.IdNumber, person.Unit!.Code })
            .ToDictionaryAsync(person => person.IdNumber, person => person.Code, Cancel));
        Assert.Equal((DemoSeeder.Qianfeng, DemoSeeder.District, DemoSeeder.Xinghua), (units[township], units[byDivision], units[outside]));
    }

    private static async Task<BeneficiaryImportReport> ImportAsync(HttpClient client, string csv)
    {
        using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
        using var response = await client.PostAsync("/api/v1/admin/beneficiaries/import?mode=all-or-nothing", content, Cancel);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Cancel));
        return (await response.Content.ReadFromJsonAsync<BeneficiaryImportReport>(Cancel))!;
    }
}

public sealed class SqliteScopeEdgeTests(SqliteFixture fixture) : ScopeEdgeTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresScopeEdgeTests(PostgresFixture fixture) : ScopeEdgeTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>The places around the registry where another unit's people could show through: all closed.</summary>
public abstract class ScopeEdgeTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SearchTotalsAndAPersonsYear_OutsideTheSubtree_CountNothingAndAre404()
    {
        var neighbour = await App.NewBeneficiaryAsync(Engine.DemoPolicy.MinimumLiving, DemoSeeder.Xinghua);
        using var hospital = App.Hospital(Keys.H001);
        using (var settled = await hospital.SettleAsync(Requests.Outpatient(neighbour, 900m, 800m, 300m)))
        {
            Assert.True(settled.IsSuccessStatusCode);
        }

        var id = await App.WithDbAsync(db => db.Beneficiaries.Where(person => person.IdNumber == neighbour.IdNumber).Select(person => person.Id).SingleAsync(Cancel));
        using var township = App.Staff(StaffAccess.Operator, "街道", unit: DemoSeeder.Qianfeng);
        using var district = App.Staff(StaffAccess.Operator, "区", unit: DemoSeeder.District);

        var hidden = (await township.GetFromJsonAsync<SettlementSearchTotals>($"/api/v1/admin/settlements/totals?idNumber={neighbour.IdNumber}", Cancel))!;
        var seen = (await district.GetFromJsonAsync<SettlementSearchTotals>($"/api/v1/admin/settlements/totals?idNumber={neighbour.IdNumber}", Cancel))!;
        using var year = await township.GetAsync($"/api/v1/admin/beneficiaries/{id}/eligibility", Cancel);
        using var yearSeen = await district.GetAsync($"/api/v1/admin/beneficiaries/{id}/eligibility", Cancel);

        Assert.Equal((0L, 0m), (hidden.Count, hidden.FundsSettled));
        Assert.Equal(1L, seen.Count);
        Assert.True(seen.FundsSettled > 0);
        Assert.Equal(HttpStatusCode.NotFound, year.StatusCode);
        Assert.Equal(HttpStatusCode.OK, yearSeen.StatusCode);
    }

    [Fact]
    public async Task RegisteringSomeoneOfAnotherUnit_SaysTheNumberIsTaken_WithoutNamingThem()
    {
        var neighbour = await App.NewBeneficiaryAsync(Engine.DemoPolicy.MinimumLiving, DemoSeeder.Xinghua);
        using var township = App.Staff(StaffAccess.Operator, "街道", unit: DemoSeeder.Qianfeng);

        using var response = await township.PostAsJsonAsync("/api/v1/admin/beneficiaries", new CreateBeneficiaryRequest
        {
            IdNumber = neighbour.IdNumber,
            Name = neighbour.Name,
            Category = Engine.DemoPolicy.MinimumLiving,
            EffectiveFrom = new DateOnly(2024, 1, 1),
            UnitCode = DemoSeeder.Qianfeng,
        }, Cancel);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.DoesNotContain("beneficiaryId", body, StringComparison.Ordinal);
        Assert.DoesNotContain(neighbour.Name, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFundsLedger_IsReadOnlyByAnAccountCoveringEveryUnit()
    {
        var year = MedicalAidApp.Today.Year;
        using var township = App.Staff(StaffAccess.Auditor, "街道审计", unit: DemoSeeder.Qianfeng);
        using var city = App.Staff(StaffAccess.Auditor, "市审计");

        using var hidden = await township.GetAsync($"/api/v1/admin/funds/{year}/inpatient/ledger", Cancel);
        using var shown = await city.GetAsync($"/api/v1/admin/funds/{year}/inpatient/ledger", Cancel);
        using var balances = await township.GetAsync($"/api/v1/admin/funds?year={year}", Cancel);

        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, balances.StatusCode);
    }

    [Fact]
    public async Task ADistrictAdministrator_SeesAndChangesOnlyTheUnitsOfItsDistrict()
    {
        using var districtAdmin = App.Staff(StaffAccess.Admin, "区管理员", unit: DemoSeeder.District);

        var tree = (await districtAdmin.GetFromJsonAsync<UnitNode[]>("/api/v1/admin/units", Cancel))!;
        using var pullIn = await districtAdmin.PutAsJsonAsync("/api/v1/admin/units/140106", new UpdateUnitRequest { Name = "拉入", ParentCode = DemoSeeder.District }, Cancel);
        using var moveOut = await districtAdmin.PutAsJsonAsync($"/api/v1/admin/units/{DemoSeeder.Xinghua}", new UpdateUnitRequest { Name = "兴华街道", ParentCode = "140105" }, Cancel);
        using var newCity = await districtAdmin.PostAsJsonAsync("/api/v1/admin/units", new CreateUnitRequest { Code = "990100", Name = "新城" }, Cancel);

        Assert.Equal(DemoSeeder.District, Assert.Single(tree).Code);
        Assert.Equal(HttpStatusCode.NotFound, pullIn.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, moveOut.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, newCity.StatusCode);
        var parent = await App.WithDbAsync(db => db.Units.Where(unit => unit.Code == DemoSeeder.Xinghua).Select(unit => unit.Path).SingleAsync(Cancel));
        Assert.Equal($"/{DemoSeeder.City}/{DemoSeeder.District}/{DemoSeeder.Xinghua}/", parent);
    }

    [Fact]
    public async Task HospitalsPoliciesFundsAndClearing_AreChangedOnlyByAnAdministratorOfEveryUnit()
    {
        using var districtAdmin = App.Staff(StaffAccess.Admin, "区管理员", unit: DemoSeeder.District);
        var year = MedicalAidApp.Today.Year;
        var fundsBefore = await App.WithDbAsync(db => db.LedgerEntries.CountAsync(Cancel));

        using var hospital = await districtAdmin.PostAsJsonAsync("/api/v1/admin/hospitals", new { code = "H900", name = "区里的医院", level = "primary" }, Cancel);
        using var topUp = await districtAdmin.PostAsJsonAsync($"/api/v1/admin/funds/{year}/charity/top-ups", new TopUpRequest { Amount = 100m, Reason = "区拨款" }, Cancel);
        using var clearing = await districtAdmin.PostAsJsonAsync("/api/v1/admin/clearing-runs", new { month = $"{year}-10" }, Cancel);
        using var readsStillOpen = await districtAdmin.GetAsync("/api/v1/admin/hospitals", Cancel);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (hospital.StatusCode, topUp.StatusCode, clearing.StatusCode));
        Assert.Equal(HttpStatusCode.OK, readsStillOpen.StatusCode);
        Assert.Equal(fundsBefore, await App.WithDbAsync(db => db.LedgerEntries.CountAsync(Cancel)));
        using var cityAdmin = App.Staff(StaffAccess.Admin, "市管理员");
        using var cityTopUp = await cityAdmin.PostAsJsonAsync($"/api/v1/admin/funds/{year}/charity/top-ups", new TopUpRequest { Amount = 100m, Reason = "市拨款" }, Cancel);
        Assert.Equal(HttpStatusCode.OK, cityTopUp.StatusCode);
    }
}
