using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Api.Units;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;

namespace MedicalAid.Api.Tests;

public sealed class SqliteScopeTests(SqliteFixture fixture) : ScopeTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresScopeTests(PostgresFixture fixture) : ScopeTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>
/// Staff data scope: a caller whose token names a unit sees only the people of that unit's subtree, their settlements,
/// the report totals and export rows of those settlements and the audit entries about them; anything outside is not
/// found, never revealed. Each test registers people of its own, mostly one scene of them: in 千峰街道 (140109001), its
/// neighbour 兴华街道 (140109002), the district 万柏林区 itself (140109) and a district of another city (110101 东城区);
/// each settles on service dates of its own month of 2026, so the tests of a class share one database without seeing
/// each other's rows.
/// </summary>
public abstract class ScopeTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string Qianfeng = DemoSeeder.Qianfeng;
    private const string Xinghua = DemoSeeder.Xinghua;
    private const string District = DemoSeeder.District;
    private const string City = DemoSeeder.City;
    private const string Beijing = "110101";
    private const string UnknownUnit = "999999";
    private const string Beneficiaries = "/api/v1/admin/beneficiaries";
    private const string Settlements = "/api/v1/admin/settlements";

    /// <summary>Every caller the tests ask: each township, the district, the city by its unit and without one, and a unit that does not exist.</summary>
    private static readonly string?[] Callers = [Qianfeng, Xinghua, District, City, null, UnknownUnit];

    /// <summary>The units each unit of the tests' people lies under (itself included): who may see a person there.</summary>
    private static readonly Dictionary<string, string[]> Ancestry = new(StringComparer.Ordinal)
    {
        [Qianfeng] = [Qianfeng, District, City],
        [Xinghua] = [Xinghua, District, City],
        [District] = [District, City],
        [Beijing] = [Beijing, "110100"],
    };

    private static int nextPerson;
    private static int nextTag;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BeneficiarySearch_ShowsEachCallerExactlyThePeopleOfItsSubtree()
    {
        var scene = await NewSceneAsync();

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var page = await GetAsync<Page<BeneficiaryListItem>>(client, $"{Beneficiaries}?name={Uri.EscapeDataString(scene.Tag)}&pageSize=100");
            AssertSameSet(Label(unit), scene.People.Where(person => Sees(unit, person)).Select(person => person.Id), page.Items.Select(item => item.Id));
            Assert.Equal((Label(unit), (long)page.Items.Count), (Label(unit), page.Total));
            Assert.All(page.Items, item => Assert.Equal(scene.People.Single(person => person.Id == item.Id).UnitCode, item.UnitCode));
        }

        // Without a filter the township lists exactly the people whose unit lies under it: the demo's first five among them.
        using var township = Caller(Qianfeng);
        var everyone = await GetAsync<Page<BeneficiaryListItem>>(township, $"{Beneficiaries}?pageSize=500");
        Assert.True(everyone.Total <= 500, "the test assumes one page holds the township's people");
        AssertSameSet(Qianfeng, await PeopleUnderAsync(Qianfeng), everyone.Items.Select(item => item.Id));
        Assert.Contains("王建国", everyone.Items.Select(item => item.Name));
        Assert.DoesNotContain("杨敏", everyone.Items.Select(item => item.Name));

        // The unit filter narrows inside the scope and never widens it.
        var tag = Uri.EscapeDataString(scene.Tag);
        AssertSameSet("千峰 unit=140109002", [], await SearchIdsAsync(township, $"name={tag}&unit={Xinghua}"));
        AssertSameSet("千峰 unit=140109", [scene.Qianfeng1.Id, scene.Qianfeng2.Id], await SearchIdsAsync(township, $"name={tag}&unit={District}"));
        AssertSameSet("千峰 unit=140100", [scene.Qianfeng1.Id, scene.Qianfeng2.Id], await SearchIdsAsync(township, $"name={tag}&unit={City}"));
        using var district = Caller(District);
        AssertSameSet("万柏林 unit=140109002", [scene.Xinghua.Id], await SearchIdsAsync(district, $"name={tag}&unit={Xinghua}"));
        AssertSameSet("万柏林 unit=140109001", [scene.Qianfeng1.Id, scene.Qianfeng2.Id], await SearchIdsAsync(district, $"name={tag}&unit={Qianfeng}"));
        AssertSameSet("万柏林 unit=110101", [], await SearchIdsAsync(district, $"name={tag}&unit={Beijing}"));
        using var city = Caller(null);
        AssertSameSet("city unit=110101", [scene.Beijing.Id], await SearchIdsAsync(city, $"name={tag}&unit={Beijing}"));

        // Searching by the neighbour's full ID number finds nothing either.
        AssertSameSet("千峰 idNumber", [], await SearchIdsAsync(township, $"idNumber={scene.Xinghua.Patient.IdNumber}"));
    }

    [Fact]
    public async Task BeneficiaryDetail_OutsideTheSubtree_Is404LikeAnUnknownId()
    {
        var scene = await NewSceneAsync();

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var unknown = await NotFoundBodyAsync(client, $"{Beneficiaries}/987654321");
            foreach (var person in scene.People)
            {
                using var response = await client.GetAsync($"{Beneficiaries}/{person.Id}", Cancel);
                if (Sees(unit, person))
                {
                    var detail = await ReadOkAsync<BeneficiaryDetail>(response, Label(unit));
                    Assert.Equal((person.Id, person.Patient.IdNumber, person.UnitCode), (detail.Id, detail.IdNumber, detail.UnitCode));
                }
                else
                {
                    await AssertHiddenAsync(Label(unit), response, unknown, person);
                }
            }
        }
    }

    [Fact]
    public async Task BeneficiaryUpdate_OutsideTheSubtree_Is404AndChangesNothing()
    {
        var scene = await NewSceneAsync();

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var unknown = await NotFoundBodyAsync(client, $"{Beneficiaries}/987654321");
            foreach (var person in scene.People.Where(person => !Sees(unit, person)))
            {
                using var response = await client.PutAsJsonAsync($"{Beneficiaries}/{person.Id}",
                    new UpdateBeneficiaryRequest { Name = "越权改名", DivisionCode = "140107" }, Cancel);
                await AssertHiddenAsync(Label(unit), response, unknown, person);
            }
        }

        foreach (var person in scene.People)
        {
            var stored = await StoredAsync(person.Id);
            Assert.Equal((person.Patient.Name, person.UnitCode == Beijing ? Beijing : "140109", person.UnitCode), (stored.Name, stored.DivisionCode, stored.UnitCode));
            Assert.Equal(0, stored.AuditEntries);
        }

        // Inside the subtree the same request is applied: the township its own person, the district its townships'.
        using var township = Caller(Qianfeng);
        using (var own = await township.PutAsJsonAsync($"{Beneficiaries}/{scene.Qianfeng1.Id}", new UpdateBeneficiaryRequest { Name = "千峰改名", DivisionCode = "140109" }, Cancel))
        {
            Assert.Equal(("千峰改名", Qianfeng), Pick(await ReadOkAsync<BeneficiaryDetail>(own, Qianfeng)));
        }

        using var district = Caller(District);
        using (var below = await district.PutAsJsonAsync($"{Beneficiaries}/{scene.Xinghua.Id}", new UpdateBeneficiaryRequest { Name = "兴华改名", DivisionCode = "140109" }, Cancel))
        {
            Assert.Equal(("兴华改名", Xinghua), Pick(await ReadOkAsync<BeneficiaryDetail>(below, District)));
        }

        using var city = Caller(null);
        using (var elsewhere = await city.PutAsJsonAsync($"{Beneficiaries}/{scene.Beijing.Id}", new UpdateBeneficiaryRequest { Name = "东城改名", DivisionCode = "110101" }, Cancel))
        {
            Assert.Equal(("东城改名", Beijing), Pick(await ReadOkAsync<BeneficiaryDetail>(elsewhere, "city")));
        }

        static (string, string) Pick(BeneficiaryDetail detail) => (detail.Name, detail.UnitCode);
    }

    [Fact]
    public async Task StatusChange_OutsideTheSubtree_Is404AndChangesNothing()
    {
        var scene = await NewSceneAsync();
        var change = new BeneficiaryStatusChangeRequest { EffectiveFrom = new DateOnly(2026, 10, 1), Category = DemoPolicy.Orphan, Active = false };

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var unknown = await NotFoundBodyAsync(client, $"{Beneficiaries}/987654321");
            foreach (var person in scene.People.Where(person => !Sees(unit, person)))
            {
                using var response = await client.PostAsJsonAsync($"{Beneficiaries}/{person.Id}/status-changes", change, Cancel);
                await AssertHiddenAsync(Label(unit), response, unknown, person);
            }
        }

        foreach (var person in scene.People)
        {
            var stored = await StoredAsync(person.Id);
            Assert.Equal((person.Id, 1, 0), (person.Id, stored.StatusChanges, stored.AuditEntries));
        }

        foreach (var (unit, person) in new[] { (Qianfeng, scene.Qianfeng1), (District, scene.Xinghua), (District, scene.District), ((string?)null, scene.Beijing) })
        {
            using var client = Caller(unit);
            using var response = await client.PostAsJsonAsync($"{Beneficiaries}/{person.Id}/status-changes", change, Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{Label(unit)} on {person.UnitCode}: {response.StatusCode} {await response.Content.ReadAsStringAsync(Cancel)}");
            Assert.Equal(2, (await StoredAsync(person.Id)).StatusChanges);
        }
    }

    [Fact]
    public async Task SettlementSearch_ShowsEachCallerExactlyTheSettlementsOfItsPeople()
    {
        var scene = await NewSceneAsync();
        var made = await SettleEachAsync(scene, new DateOnly(2026, 1, 10));

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var page = await GetAsync<Page<SettlementListItem>>(client, $"{Settlements}?from=2026-01-01&to=2026-01-31&pageSize=500");
            AssertSameSet(Label(unit), made.Where(m => Sees(unit, m.Person)).Select(m => m.Settlement.SettlementId), page.Items.Select(item => item.Id));
            Assert.Equal((Label(unit), (long)page.Items.Count), (Label(unit), page.Total));
        }

        // The township's whole list (no filter) is exactly the settlements of the people under it, whoever made them.
        using var township = Caller(Qianfeng);
        var everything = await GetAsync<Page<SettlementListItem>>(township, $"{Settlements}?pageSize=500");
        Assert.True(everything.Total <= 500, "the test assumes one page holds the township's settlements");
        AssertSameSet(Qianfeng, await SettlementsUnderAsync(Qianfeng), everything.Items.Select(item => item.Id));

        // Filters that name the neighbour's person find nothing.
        var neighbour = made.Single(m => m.Person == scene.Xinghua);
        AssertSameSet("千峰 idNumber", [], (await GetAsync<Page<SettlementListItem>>(township, $"{Settlements}?idNumber={scene.Xinghua.Patient.IdNumber}")).Items.Select(item => item.Id));
        AssertSameSet("千峰 name", [], (await GetAsync<Page<SettlementListItem>>(township, $"{Settlements}?name={Uri.EscapeDataString(scene.Xinghua.Patient.Name)}")).Items.Select(item => item.Id));
        using var xinghua = Caller(Xinghua);
        Assert.Equal(neighbour.Settlement.SettlementId,
            Assert.Single((await GetAsync<Page<SettlementListItem>>(xinghua, $"{Settlements}?idNumber={scene.Xinghua.Patient.IdNumber}")).Items).Id);
    }

    [Fact]
    public async Task SettlementDetail_OutsideTheSubtree_Is404LikeAnUnknownId()
    {
        var scene = await NewSceneAsync();
        var made = await SettleEachAsync(scene, new DateOnly(2026, 2, 10));

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var unknown = await NotFoundBodyAsync(client, $"{Settlements}/{Guid.NewGuid()}");
            foreach (var m in made)
            {
                using var response = await client.GetAsync($"{Settlements}/{m.Settlement.SettlementId}", Cancel);
                if (Sees(unit, m.Person))
                {
                    var detail = await ReadOkAsync<SettlementResponse>(response, Label(unit));
                    Assert.Equal((m.Settlement.SettlementId, m.Settlement.FundsSettled), (detail.SettlementId, detail.FundsSettled));
                }
                else
                {
                    await AssertHiddenAsync(Label(unit), response, unknown, m.Person, m.Settlement.VisitNumber);
                }
            }
        }
    }

    [Fact]
    public async Task SummaryReport_EachCallerTotalsOnlyTheSettlementsOfItsPeople()
    {
        var scene = await NewSceneAsync();
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        using var h003 = App.Hospital(Keys.H003);
        List<Made> made =
        [
            await MakeAsync(h001, scene.Qianfeng1, Requests.Inpatient(scene.Qianfeng1.Patient, 12_000.00m, 10_000.00m, 6_000.00m, dischargeDate: new DateOnly(2026, 10, 10))),
            await MakeAsync(h002, scene.Qianfeng1, Requests.Outpatient(scene.Qianfeng1.Patient, 640.00m, 560.00m, 220.00m, visitDate: new DateOnly(2026, 10, 10))),
            await MakeAsync(h003, scene.Qianfeng2, Requests.Outpatient(scene.Qianfeng2.Patient, 480.00m, 400.00m, 150.00m, visitDate: new DateOnly(2026, 10, 20))),
            await MakeAsync(h002, scene.Xinghua, Requests.Inpatient(scene.Xinghua.Patient, 18_000.00m, 16_000.00m, 9_000.00m, dischargeDate: new DateOnly(2026, 10, 10))),
            await MakeAsync(h001, scene.Xinghua, Requests.Outpatient(scene.Xinghua.Patient, 900.00m, 800.00m, 300.00m, visitDate: new DateOnly(2026, 10, 12))),
            await MakeAsync(h001, scene.District, Requests.Outpatient(scene.District.Patient, 700.00m, 650.00m, 250.00m, visitDate: new DateOnly(2026, 10, 10))),
            await MakeAsync(h003, scene.Beijing, Requests.Inpatient(scene.Beijing.Patient, 9_000.00m, 8_500.00m, 4_000.00m, dischargeDate: new DateOnly(2026, 10, 10))),
        ];
        made[4] = await ReverseAsync(h001, made[4]);

        // One day, whole months (which a city-wide caller reads from the rollups), and a range across partial months.
        foreach (var (from, to) in new[] { ("2026-10-10", "2026-10-10"), ("2026-10-01", "2026-10-31"), ("2026-10-01", "2026-11-30"), ("2026-09-20", "2026-11-10") })
        {
            foreach (var unit in Callers)
            {
                using var client = Caller(unit);
                var report = await GetAsync<SummaryReport>(client, $"/api/v1/admin/reports/summary?from={from}&to={to}");
                var range = (From: DateOnly.Parse(from, CultureInfo.InvariantCulture), To: DateOnly.Parse(to, CultureInfo.InvariantCulture));
                var expected = Expect(made.Where(m => Sees(unit, m.Person) && m.Settlement.ServiceDate >= range.From && m.Settlement.ServiceDate <= range.To));
                AssertReport($"{Label(unit)} {from}~{to}", expected, report);
            }
        }
    }

    [Fact]
    public async Task SummaryReport_TownshipTotalsEqualItsOwnSettlementList_AndTheDistrictsTheSumOfItsUnits()
    {
        var scene = await NewSceneAsync();
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        List<Made> made =
        [
            await MakeAsync(h001, scene.Qianfeng1, Requests.Inpatient(scene.Qianfeng1.Patient, 15_000.00m, 13_000.00m, 7_000.00m, dischargeDate: new DateOnly(2026, 7, 7))),
            await MakeAsync(h002, scene.Qianfeng2, Requests.Inpatient(scene.Qianfeng2.Patient, 21_000.00m, 19_000.00m, 11_000.00m, dischargeDate: new DateOnly(2026, 7, 7))),
            await MakeAsync(h002, scene.Qianfeng2, Requests.Outpatient(scene.Qianfeng2.Patient, 555.55m, 500.00m, 123.45m, visitDate: new DateOnly(2026, 7, 7))),
            await MakeAsync(h001, scene.Xinghua, Requests.Inpatient(scene.Xinghua.Patient, 8_800.00m, 8_000.00m, 4_400.00m, dischargeDate: new DateOnly(2026, 7, 7))),
            await MakeAsync(h002, scene.Xinghua, Requests.Outpatient(scene.Xinghua.Patient, 300.00m, 300.00m, 100.00m, visitDate: new DateOnly(2026, 7, 7))),
            await MakeAsync(h001, scene.District, Requests.Outpatient(scene.District.Patient, 420.00m, 400.00m, 120.00m, visitDate: new DateOnly(2026, 7, 7))),
        ];
        const string Day = "from=2026-07-07&to=2026-07-07";

        // Each township's report against what its own settlement search lists, each listed settlement read in detail.
        var townships = new Dictionary<string, SummaryReport>(StringComparer.Ordinal);
        foreach (var unit in new[] { Qianfeng, Xinghua })
        {
            using var client = Caller(unit);
            var report = await GetAsync<SummaryReport>(client, $"/api/v1/admin/reports/summary?{Day}");
            var listed = (await GetAsync<Page<SettlementListItem>>(client, $"{Settlements}?{Day}&status=settled&pageSize=500")).Items;
            var details = new List<SettlementResponse>();
            foreach (var item in listed)
            {
                details.Add(await GetAsync<SettlementResponse>(client, $"{Settlements}/{item.Id}"));
            }

            Assert.Equal(
                (unit, (long)listed.Count, (long)listed.Select(item => item.Name).Distinct().Count(), listed.Sum(item => item.FundsSettled)),
                (unit, report.SettlementCount, report.PersonCount, report.FundsSettled));
            Assert.Equal($"{unit}: {Text(Enumerable.Range(0, 5).Select(index => details.Sum(detail => detail.Channels[index].Amount)))}", $"{unit}: {Text(report.ByChannel.Select(channel => channel.Amount))}");

            // And against the settlements the test made for that township's people.
            AssertReport(unit, Expect(made.Where(m => m.Person.UnitCode == unit)), report);
            townships[unit] = report;
        }

        // The district: both townships plus the person registered at the district itself.
        var own = Expect(made.Where(m => m.Person.UnitCode == District));
        var (qianfeng, xinghua) = (townships[Qianfeng], townships[Xinghua]);
        foreach (var unit in new[] { District, City, null })
        {
            using var client = Caller(unit);
            var report = await GetAsync<SummaryReport>(client, $"/api/v1/admin/reports/summary?{Day}");
            Assert.Equal(
                (Label(unit), qianfeng.SettlementCount + xinghua.SettlementCount + own.Settled, qianfeng.PersonCount + xinghua.PersonCount + own.Persons,
                    qianfeng.FundsSettled + xinghua.FundsSettled + own.Funds),
                (Label(unit), report.SettlementCount, report.PersonCount, report.FundsSettled));
            Assert.Equal(
                $"{Label(unit)}: {Text(Enumerable.Range(0, 5).Select(index => qianfeng.ByChannel[index].Amount + xinghua.ByChannel[index].Amount + own.ByChannel[index]))}",
                $"{Label(unit)}: {Text(report.ByChannel.Select(channel => channel.Amount))}");
        }
    }

    [Fact]
    public async Task SettlementsCsvExport_HasExactlyTheRowsOfTheCallersPeople()
    {
        var scene = await NewSceneAsync();
        var made = await SettleEachAsync(scene, new DateOnly(2026, 4, 14));

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            using var response = await client.GetAsync("/api/v1/admin/exports/settlements.csv?from=2026-04-01&to=2026-04-30&lang=en", Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = (await response.Content.ReadAsStringAsync(Cancel)).TrimStart('\uFEFF');
            var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("Settlement ID,", lines[0], StringComparison.Ordinal);
            var rows = lines.Skip(1).Select(line => line.Split(',')).ToList();
            var visible = made.Where(m => Sees(unit, m.Person)).ToList();
            AssertSameSet(Label(unit), visible.Select(m => m.Settlement.SettlementId.ToString()), rows.Select(cells => cells[0]));
            foreach (var cells in rows)
            {
                var settlement = visible.Single(m => m.Settlement.SettlementId.ToString() == cells[0]).Settlement;
                Assert.Equal(settlement.FundsSettled, decimal.Parse(cells[15], CultureInfo.InvariantCulture));
            }

            foreach (var hidden in made.Where(m => !Sees(unit, m.Person)))
            {
                Assert.DoesNotContain(hidden.Settlement.SettlementId.ToString(), text, StringComparison.Ordinal);
                Assert.DoesNotContain(hidden.Settlement.VisitNumber, text, StringComparison.Ordinal);
                Assert.DoesNotContain(hidden.Person.Patient.Name, text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task SettlementsXlsxExport_HasExactlyTheRowsOfTheCallersPeople()
    {
        var scene = await NewSceneAsync();
        var made = await SettleEachAsync(scene, new DateOnly(2026, 5, 14));

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var rows = await XlsxRowsAsync(client, "/api/v1/admin/exports/settlements.xlsx?from=2026-05-01&to=2026-05-31&lang=en");
            var visible = made.Where(m => Sees(unit, m.Person)).ToList();
            AssertSameSet(Label(unit), visible.Select(m => m.Settlement.SettlementId.ToString()), rows.Select(row => Cell(row, "Settlement ID")));
            foreach (var row in rows)
            {
                var m = visible.Single(candidate => candidate.Settlement.SettlementId.ToString() == Cell(row, "Settlement ID"));
                Assert.Equal((m.Person.Patient.Name, m.Settlement.FundsSettled), (Cell(row, "Name"), Convert.ToDecimal(row["Funds settled"], CultureInfo.InvariantCulture)));
            }
        }
    }

    [Fact]
    public async Task SummaryExports_CsvAndXlsx_TotalOnlyTheSettlementsOfTheCallersPeople()
    {
        var scene = await NewSceneAsync();
        var made = await SettleEachAsync(scene, new DateOnly(2026, 6, 16));
        using (var h002 = App.Hospital(Keys.H002))
        {
            var extra = await MakeAsync(h002, scene.Xinghua, Requests.Outpatient(scene.Xinghua.Patient, 333.00m, 300.00m, 100.00m, visitDate: new DateOnly(2026, 6, 17)));
            made.Add(await ReverseAsync(h002, extra));
            made.Add(await MakeAsync(h002, scene.Qianfeng2, Requests.Outpatient(scene.Qianfeng2.Patient, 444.00m, 400.00m, 100.00m, visitDate: new DateOnly(2026, 6, 18))));
        }

        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var expected = Expect(made.Where(m => Sees(unit, m.Person)));

            using var csvResponse = await client.GetAsync("/api/v1/admin/exports/summary.csv?from=2026-06-01&to=2026-06-30&lang=en", Cancel);
            Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
            var csv = (await csvResponse.Content.ReadAsStringAsync(Cancel)).TrimStart('\uFEFF')
                .Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split(',')).ToList();
            AssertSummaryRows($"{Label(unit)} csv", expected, csv.Select(cells => cells.Cast<object?>().ToArray()).ToList());

            var xlsx = await XlsxRowsAsync(client, "/api/v1/admin/exports/summary.xlsx?from=2026-06-01&to=2026-06-30&lang=en");
            string[] columns = ["Dimension", "Key", "Settlements", "Persons", "Funds settled", "Insurance subsidy", "Outpatient assistance", "Inpatient assistance", "Temporary assistance", "Charity", "Reversed"];
            AssertSummaryRows($"{Label(unit)} xlsx", expected, xlsx.Select(row => columns.Select(column => row[column]).ToArray()).ToList());
        }
    }

    [Fact]
    public async Task AuditTrail_ScopedCallerSeesOnlyTheEntriesAboutItsOwnPeople()
    {
        var tag = NextTag();
        using var admin = App.Staff("admin", "范围管理员");
        var people = new List<Person>();
        foreach (var (unit, division) in new[] { (Qianfeng, "140109"), (Xinghua, "140109"), (District, "140109"), (Beijing, Beijing) })
        {
            using var response = await admin.PostAsJsonAsync(Beneficiaries, Registration(NextIdNumber(division), $"{tag}{people.Count}", unit), Cancel);
            var created = await ReadCreatedAsync<BeneficiaryDetail>(response, "admin");
            Assert.Equal(unit, created.UnitCode);
            people.Add(new Person(created.Id, new PatientIdentity { IdNumber = created.IdNumber, Name = created.Name }, unit));
        }

        using (var district = Caller(District))
        {
            foreach (var person in people.Where(person => person.UnitCode != Beijing))
            {
                using var response = await district.PostAsJsonAsync($"{Beneficiaries}/{person.Id}/status-changes",
                    new BeneficiaryStatusChangeRequest { EffectiveFrom = new DateOnly(2026, 9, 1), Category = DemoPolicy.ExtremePoverty, Active = true }, Cancel);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
        }

        // A city-level matter: not about anyone.
        using (var unitResponse = await admin.PostAsJsonAsync("/api/v1/admin/units", new CreateUnitRequest { Code = "140109901", Name = "范围测试街道", ParentCode = District }, Cancel))
        {
            Assert.Equal(HttpStatusCode.Created, unitResponse.StatusCode);
        }

        var mine = people.Select(person => person.Id.ToString(CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
        foreach (var unit in Callers)
        {
            using var client = Caller(unit);
            var entries = (await GetAsync<Page<AuditEntryResponse>>(client, "/api/v1/admin/audit?entityType=beneficiary&pageSize=500")).Items;
            var aboutMine = entries.Where(entry => mine.Contains(entry.EntityId)).ToList();
            AssertSameSet(Label(unit), people.Where(person => Sees(unit, person)).Select(person => person.Id.ToString(CultureInfo.InvariantCulture)),
                aboutMine.Select(entry => entry.EntityId).Distinct());
            foreach (var person in people.Where(person => Sees(unit, person)))
            {
                var actions = aboutMine.Where(entry => entry.EntityId == person.Id.ToString(CultureInfo.InvariantCulture)).Select(entry => entry.Action).ToList();
                Assert.Equal((Label(unit), person.UnitCode, person.UnitCode == Beijing ? 1 : 2), (Label(unit), person.UnitCode, actions.Count));
            }

            foreach (var person in people.Where(person => !Sees(unit, person)))
            {
                var page = await GetAsync<Page<AuditEntryResponse>>(client, $"/api/v1/admin/audit?entityType=beneficiary&entityId={person.Id}");
                Assert.Equal((Label(unit), person.UnitCode, 0L), (Label(unit), person.UnitCode, page.Total));
            }

            var unitEntries = await GetAsync<Page<AuditEntryResponse>>(client, "/api/v1/admin/audit?entityType=unit&entityId=140109901");
            if (unit is null)
            {
                Assert.Equal("unit.created", Assert.Single(unitEntries.Items).Action);
            }
            else if (unit != City)
            {
                Assert.Equal((Label(unit), 0L), (Label(unit), unitEntries.Total));
            }
        }

        // Unfiltered, a township's trail is exactly the entries about the people under it.
        using var township = Caller(Qianfeng);
        var all = await GetAsync<Page<AuditEntryResponse>>(township, "/api/v1/admin/audit?pageSize=500");
        Assert.True(all.Total <= 500, "the test assumes one page holds the township's entries");
        var under = await PeopleUnderAsync(Qianfeng);
        var expectedIds = await App.WithDbAsync(db => db.Set<AuditEntry>().AsNoTracking()
            .Where(entry => entry.BeneficiaryId != null).Select(entry => new { entry.Id, entry.BeneficiaryId }).ToListAsync(Cancel));
        AssertSameSet(Qianfeng, expectedIds.Where(entry => under.Contains(entry.BeneficiaryId!.Value)).Select(entry => entry.Id), all.Items.Select(entry => entry.Id));
        Assert.All(all.Items, entry => Assert.Equal("beneficiary", entry.EntityType));
    }

    [Fact]
    public async Task Register_AsTownshipOperatorWithoutUnitCode_Is400NamingUnitCode_AndRecordsNothing()
    {
        using var township = Caller(Qianfeng);
        var idNumber = NextIdNumber("140109");
        var before = await App.CountAsync<AuditEntry>();

        // The division code's district (140109) is the parent of the township, outside its scope: no default.
        using var response = await township.PostAsJsonAsync(Beneficiaries, Registration(idNumber, $"{NextTag()}默认", unitCode: null), Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal(["unitCode"], problem.GetProperty("errors").EnumerateObject().Select(property => property.Name));
        Assert.Equal(0, await CountRegisteredAsync(idNumber));
        Assert.Equal(before, await App.CountAsync<AuditEntry>());

        // The same registration by the district defaults to the district.
        using var district = Caller(District);
        using var byDistrict = await district.PostAsJsonAsync(Beneficiaries, Registration(idNumber, "区级登记", unitCode: null), Cancel);
        Assert.Equal(District, (await ReadCreatedAsync<BeneficiaryDetail>(byDistrict, District)).UnitCode);
    }

    [Fact]
    public async Task Register_AsTownshipOperatorInItsOwnTownship_Is201WithTheUnitCode()
    {
        using var township = Caller(Qianfeng);
        var idNumber = NextIdNumber("140109");

        using var response = await township.PostAsJsonAsync(Beneficiaries, Registration(idNumber, $"{NextTag()}本街道", Qianfeng), Cancel);

        var created = await ReadCreatedAsync<BeneficiaryDetail>(response, Qianfeng);
        Assert.Equal((idNumber, Qianfeng), (created.IdNumber, created.UnitCode));
        Assert.Equal($"{Beneficiaries}/{created.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(Qianfeng, (await GetAsync<BeneficiaryDetail>(township, $"{Beneficiaries}/{created.Id}")).UnitCode);
        Assert.Equal(Qianfeng, Assert.Single((await GetAsync<Page<BeneficiaryListItem>>(township, $"{Beneficiaries}?idNumber={idNumber}")).Items).UnitCode);
        using var neighbour = Caller(Xinghua);
        using var hidden = await neighbour.GetAsync($"{Beneficiaries}/{created.Id}", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Theory]
    [InlineData(Xinghua)]
    [InlineData(District)]
    [InlineData(City)]
    [InlineData(Beijing)]
    [InlineData(UnknownUnit)]
    public async Task Register_AsTownshipOperatorInAUnitOutsideItsSubtree_Is400NamingUnitCode_AndRecordsNothing(string unitCode)
    {
        using var township = Caller(Qianfeng);
        var idNumber = NextIdNumber("140109");
        var before = await App.CountAsync<AuditEntry>();

        using var response = await township.PostAsJsonAsync(Beneficiaries, Registration(idNumber, $"{NextTag()}越界", unitCode), Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal(["unitCode"], problem.GetProperty("errors").EnumerateObject().Select(property => property.Name));
        Assert.Equal(0, await CountRegisteredAsync(idNumber));
        Assert.Equal(before, await App.CountAsync<AuditEntry>());
    }

    [Fact]
    public async Task Move_AsTownshipOperatorToTheNeighbouringTownshipOrUp_Is400NamingUnitCode_AndThePersonStays()
    {
        var person = await NewPersonAsync(NextTag(), Qianfeng);
        using var township = Caller(Qianfeng);

        foreach (var target in new[] { Xinghua, District, City, UnknownUnit })
        {
            using var response = await township.PutAsJsonAsync($"{Beneficiaries}/{person.Id}",
                new UpdateBeneficiaryRequest { Name = "搬走", DivisionCode = "140109", UnitCode = target }, Cancel);
            var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
            Assert.True(problem.GetProperty("errors").TryGetProperty("unitCode", out _), $"{target}: {problem}");
        }

        var stored = await StoredAsync(person.Id);
        Assert.Equal((person.Patient.Name, Qianfeng, 0), (stored.Name, stored.UnitCode, stored.AuditEntries));
        Assert.Equal(Qianfeng, (await GetAsync<BeneficiaryDetail>(township, $"{Beneficiaries}/{person.Id}")).UnitCode);
    }

    [Fact]
    public async Task Move_AsDistrictOperatorToTheNeighbouringTownship_Is200_AndTheFirstTownshipNoLongerSeesThem()
    {
        var tag = NextTag();
        var person = await NewPersonAsync(tag, Qianfeng);
        using var h001 = App.Hospital(Keys.H001);
        var settled = await MakeAsync(h001, person, Requests.Inpatient(person.Patient, 10_000.00m, 9_000.00m, 5_000.00m, dischargeDate: new DateOnly(2026, 9, 9)));
        using var township = Caller(Qianfeng);
        using var neighbour = Caller(Xinghua);
        Assert.Equal(1L, (await GetAsync<SummaryReport>(township, "/api/v1/admin/reports/summary?from=2026-09-09&to=2026-09-09")).SettlementCount);

        using var district = Caller(District);
        using (var response = await district.PutAsJsonAsync($"{Beneficiaries}/{person.Id}",
            new UpdateBeneficiaryRequest { Name = person.Patient.Name, DivisionCode = "140109", UnitCode = Xinghua }, Cancel))
        {
            Assert.Equal(Xinghua, (await ReadOkAsync<BeneficiaryDetail>(response, District)).UnitCode);
        }

        // The first township: the person, their settlement, its totals and the entries about them are gone.
        using (var detail = await township.GetAsync($"{Beneficiaries}/{person.Id}", Cancel))
        {
            await SettlementTests.AssertProblemAsync(detail, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using (var settlement = await township.GetAsync($"{Settlements}/{settled.Settlement.SettlementId}", Cancel))
        {
            await SettlementTests.AssertProblemAsync(settlement, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        AssertSameSet("千峰 after the move", [], await SearchIdsAsync(township, $"name={Uri.EscapeDataString(tag)}"));
        Assert.Empty((await GetAsync<Page<SettlementListItem>>(township, $"{Settlements}?from=2026-09-09&to=2026-09-09")).Items);
        Assert.Equal(0L, (await GetAsync<SummaryReport>(township, "/api/v1/admin/reports/summary?from=2026-09-09&to=2026-09-09")).SettlementCount);
        Assert.Equal(0L, (await GetAsync<Page<AuditEntryResponse>>(township, $"/api/v1/admin/audit?entityType=beneficiary&entityId={person.Id}")).Total);

        // The new township has all of it, including the move itself.
        Assert.Equal(Xinghua, (await GetAsync<BeneficiaryDetail>(neighbour, $"{Beneficiaries}/{person.Id}")).UnitCode);
        Assert.Equal(settled.Settlement.SettlementId, (await GetAsync<SettlementResponse>(neighbour, $"{Settlements}/{settled.Settlement.SettlementId}")).SettlementId);
        Assert.Equal(settled.Settlement.FundsSettled, (await GetAsync<SummaryReport>(neighbour, "/api/v1/admin/reports/summary?from=2026-09-09&to=2026-09-09")).FundsSettled);
        var moved = Assert.Single((await GetAsync<Page<AuditEntryResponse>>(neighbour, $"/api/v1/admin/audit?entityType=beneficiary&entityId={person.Id}")).Items);
        Assert.Equal("beneficiary.updated", moved.Action);
        Assert.Equal(Qianfeng, JsonNode.Parse(moved.Before!)!["unitCode"]!.GetValue<string>());
        Assert.Equal(Xinghua, JsonNode.Parse(moved.After!)!["unitCode"]!.GetValue<string>());
    }

    /// <summary>
    /// A unit claim that names no unit, whether an unknown code, blank or empty, is not the absence of a claim: the
    /// caller sees and may change nothing, never everything.
    /// </summary>
    [Theory]
    [InlineData(UnknownUnit)]
    [InlineData(" ")]
    [InlineData("")]
    public async Task UnknownUnitClaim_SeesNothing_NeverEverything(string unit)
    {
        var scene = await NewSceneAsync();
        var made = await SettleEachAsync(scene, new DateOnly(2026, 8, 8));
        using var city = Caller(null);
        Assert.True((await GetAsync<Page<BeneficiaryListItem>>(city, Beneficiaries)).Total >= scene.People.Count);
        using var unknown = Caller(unit);

        var label = $"unit claim '{unit}'";
        var people = await GetAsync<Page<BeneficiaryListItem>>(unknown, $"{Beneficiaries}?pageSize=500");
        Assert.Equal((label, 0L, 0), (label, people.Total, people.Items.Count));
        Assert.Equal((label, 0L), (label, (await GetAsync<Page<BeneficiaryListItem>>(unknown, $"{Beneficiaries}?unit={Qianfeng}")).Total));
        var settlements = await GetAsync<Page<SettlementListItem>>(unknown, $"{Settlements}?pageSize=500");
        Assert.Equal((label, 0L, 0), (label, settlements.Total, settlements.Items.Count));
        foreach (var m in made)
        {
            using var person = await unknown.GetAsync($"{Beneficiaries}/{m.Person.Id}", Cancel);
            await SettlementTests.AssertProblemAsync(person, HttpStatusCode.NotFound, ProblemTypes.NotFound);
            using var settlement = await unknown.GetAsync($"{Settlements}/{m.Settlement.SettlementId}", Cancel);
            await SettlementTests.AssertProblemAsync(settlement, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        var report = await GetAsync<SummaryReport>(unknown, "/api/v1/admin/reports/summary?from=2026-01-01&to=2026-11-30");
        AssertReport(label, Expect([]), report);
        var csv = (await unknown.GetStringAsync("/api/v1/admin/exports/settlements.csv?lang=en", Cancel)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Settlement ID,", Assert.Single(csv).TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.Empty(await XlsxRowsAsync(unknown, "/api/v1/admin/exports/settlements.xlsx?lang=en"));
        Assert.Equal(0L, (await GetAsync<Page<AuditEntryResponse>>(unknown, "/api/v1/admin/audit?pageSize=500")).Total);

        // Nor may it write: no unit of its own to register into, nobody to change.
        using (var register = await unknown.PostAsJsonAsync(Beneficiaries, Registration(NextIdNumber("140109"), "无单位登记", Qianfeng), Cancel))
        {
            var problem = await SettlementTests.AssertProblemAsync(register, HttpStatusCode.BadRequest, ProblemTypes.Validation);
            Assert.True(problem.GetProperty("errors").TryGetProperty("unitCode", out _));
        }

        using (var update = await unknown.PutAsJsonAsync($"{Beneficiaries}/{scene.Qianfeng1.Id}", new UpdateBeneficiaryRequest { Name = "无单位改名", DivisionCode = "140109" }, Cancel))
        {
            await SettlementTests.AssertProblemAsync(update, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using (var status = await unknown.PostAsJsonAsync($"{Beneficiaries}/{scene.Qianfeng1.Id}/status-changes",
            new BeneficiaryStatusChangeRequest { EffectiveFrom = new DateOnly(2026, 10, 1), Category = DemoPolicy.Orphan, Active = false }, Cancel))
        {
            await SettlementTests.AssertProblemAsync(status, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        var stored = await StoredAsync(scene.Qianfeng1.Id);
        Assert.Equal((scene.Qianfeng1.Patient.Name, 1, 0), (stored.Name, stored.StatusChanges, stored.AuditEntries));
    }

    private sealed record Person(long Id, PatientIdentity Patient, string UnitCode);

    private sealed record Scene(string Tag, Person Qianfeng1, Person Qianfeng2, Person Xinghua, Person District, Person Beijing)
    {
        public IReadOnlyList<Person> People => [Qianfeng1, Qianfeng2, Xinghua, District, Beijing];
    }

    private sealed record Made(Person Person, SettlementResponse Settlement, bool Reversed = false);

    /// <summary>What a report should say about some settlements, counted here from the settlements themselves.</summary>
    private sealed record Expected(long Settled, long Reversed, long Persons, decimal Funds, decimal[] ByChannel, (string Hospital, long Settled, long Persons, decimal Funds)[] ByHospital);

    private sealed record Stored(string Name, string DivisionCode, string UnitCode, int StatusChanges, int AuditEntries);

    private HttpClient Caller(string? unit) => App.Staff("auditor,operator", $"范围{unit ?? "市级"}", unit);

    private static string Label(string? unit) => unit ?? "city (no unit)";

    private static bool Sees(string? caller, Person person) => caller is null || Ancestry[person.UnitCode].Contains(caller, StringComparer.Ordinal);

    /// <summary>A tag no other test's names contain; a name search for it finds only the people made with it.</summary>
    private static string NextTag() => $"范{Interlocked.Increment(ref nextTag):D4}围";

    private static string NextIdNumber(string division)
    {
        var number = Interlocked.Increment(ref nextPerson);
        var first17 = $"{division}{new DateOnly(1985, 1, 1).AddDays(number):yyyyMMdd}{number % 1000:D3}";
        return first17 + ResidentIdNumber.ComputeCheckCharacter(first17);
    }

    private static CreateBeneficiaryRequest Registration(string idNumber, string name, string? unitCode) => new()
    {
        IdNumber = idNumber,
        Name = name,
        Category = DemoPolicy.MinimumLiving,
        EffectiveFrom = new DateOnly(2024, 1, 1),
        UnitCode = unitCode,
    };

    private async Task<Scene> NewSceneAsync()
    {
        var tag = NextTag();
        return new Scene(
            tag,
            await NewPersonAsync(tag, Qianfeng),
            await NewPersonAsync(tag, Qianfeng),
            await NewPersonAsync(tag, Xinghua),
            await NewPersonAsync(tag, District),
            await NewPersonAsync(tag, Beijing));
    }

    /// <summary>An active minimum-living beneficiary since 2020 in <paramref name="unitCode"/>, put straight into the database.</summary>
    private async Task<Person> NewPersonAsync(string tag, string unitCode)
    {
        var division = unitCode == Beijing ? Beijing : "140109";
        var idNumber = NextIdNumber(division);
        var name = $"{tag}{idNumber[^4..]}";
        var id = await App.WithDbAsync(async db =>
        {
            var unitId = await db.Units.Where(unit => unit.Code == unitCode).Select(unit => unit.Id).SingleAsync(Cancel);
            var beneficiary = new Beneficiary { IdNumber = idNumber, Name = name, DivisionCode = division, UnitId = unitId };
            beneficiary.StatusHistory.Add(new BeneficiaryStatusChange { EffectiveFrom = new DateOnly(2020, 1, 1), CategoryCode = DemoPolicy.MinimumLiving, IsActive = true });
            db.Beneficiaries.Add(beneficiary);
            await db.SaveChangesAsync(Cancel);
            return beneficiary.Id;
        });
        return new Person(id, new PatientIdentity { IdNumber = idNumber, Name = name }, unitCode);
    }

    /// <summary>One settlement for each person of the scene on <paramref name="date"/>, inpatient or outpatient in turn, at each hospital in turn.</summary>
    private async Task<List<Made>> SettleEachAsync(Scene scene, DateOnly date)
    {
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        using var h003 = App.Hospital(Keys.H003);
        HttpClient[] hospitals = [h001, h002, h003];
        var made = new List<Made>();
        foreach (var (person, index) in scene.People.Select((person, index) => (person, index)))
        {
            var request = index % 2 == 0
                ? Requests.Inpatient(person.Patient, 10_000.00m + (index * 1_111.11m), 9_000.00m, 5_000.00m, dischargeDate: date)
                : Requests.Outpatient(person.Patient, 600.00m + (index * 11.11m), 500.00m, 200.00m, visitDate: date);
            made.Add(await MakeAsync(hospitals[index % 3], person, request));
        }

        return made;
    }

    private static async Task<Made> MakeAsync(HttpClient hospital, Person person, SettlementRequest request)
    {
        using var response = await hospital.SettleAsync(request);
        return new Made(person, await ReadCreatedAsync<SettlementResponse>(response, person.UnitCode));
    }

    private static async Task<Made> ReverseAsync(HttpClient hospital, Made made)
    {
        using var response = await hospital.ReverseAsync(made.Settlement.SettlementId);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return made with { Reversed = true };
    }

    private static Expected Expect(IEnumerable<Made> made)
    {
        var all = made.ToList();
        var standing = all.Where(m => !m.Reversed).ToList();
        return new Expected(
            standing.Count,
            all.Count(m => m.Reversed),
            standing.Select(m => m.Person.Id).Distinct().Count(),
            standing.Sum(m => m.Settlement.FundsSettled),
            [.. Enumerable.Range(0, 5).Select(index => standing.Sum(m => m.Settlement.Channels[index].Amount))],
            [.. standing.GroupBy(m => m.Settlement.HospitalCode).OrderBy(group => group.Key, StringComparer.Ordinal)
                .Select(group => (group.Key, (long)group.Count(), (long)group.Select(m => m.Person.Id).Distinct().Count(), group.Sum(m => m.Settlement.FundsSettled)))]);
    }

    private static void AssertReport(string label, Expected expected, SummaryReport report)
    {
        Assert.Equal(
            (label, expected.Settled, expected.Reversed, expected.Persons, expected.Funds),
            (label, report.SettlementCount, report.ReversedCount, report.PersonCount, report.FundsSettled));
        Assert.Equal($"{label}: {Text(expected.ByChannel)}", $"{label}: {Text(report.ByChannel.Select(channel => channel.Amount))}");
        Assert.Equal(
            $"{label}: {string.Join("; ", expected.ByHospital.Select(Hospital))}",
            $"{label}: {string.Join("; ", report.ByHospital.Select(group => Hospital((group.Key, group.SettlementCount, group.PersonCount, group.FundsSettled))))}");

        static string Hospital((string Key, long Settled, long Persons, decimal Funds) group) =>
            string.Create(CultureInfo.InvariantCulture, $"{group.Key} {group.Settled}/{group.Persons}/{group.Funds:0.00}");
    }

    /// <summary>The rows of a summary export (header left out), cells in column order, against what is expected.</summary>
    private static void AssertSummaryRows(string label, Expected expected, List<object?[]> rows)
    {
        var total = rows[0];
        Assert.Equal((label, "total", "2026-06-01~2026-06-30"), (label, Convert.ToString(total[0], CultureInfo.InvariantCulture), Convert.ToString(total[1], CultureInfo.InvariantCulture)));
        Assert.Equal(
            $"{label}: {Text([expected.Settled, expected.Persons, expected.Funds, .. expected.ByChannel, expected.Reversed])}",
            $"{label}: {Text(total.Skip(2).Select(cell => Convert.ToDecimal(cell, CultureInfo.InvariantCulture)))}");
        var hospitals = rows.Where(row => Equals(Convert.ToString(row[0], CultureInfo.InvariantCulture), "hospital"))
            .Select(row => string.Create(CultureInfo.InvariantCulture,
                $"{row[1]} {Convert.ToDecimal(row[2], CultureInfo.InvariantCulture):0}/{Convert.ToDecimal(row[3], CultureInfo.InvariantCulture):0}/{Convert.ToDecimal(row[4], CultureInfo.InvariantCulture):0.00}"));
        Assert.Equal(
            $"{label}: {string.Join("; ", expected.ByHospital.Select(group => string.Create(CultureInfo.InvariantCulture, $"{group.Hospital} {group.Settled}/{group.Persons}/{group.Funds:0.00}")))}",
            $"{label}: {string.Join("; ", hospitals)}");
    }

    private static string Text(IEnumerable<decimal> values) => string.Join(", ", values.Select(value => value.ToString("0.00", CultureInfo.InvariantCulture)));

    private static void AssertSameSet<T>(string label, IEnumerable<T> expected, IEnumerable<T> actual)
    {
        static string Show(IEnumerable<T> values) =>
            string.Join(", ", values.Select(value => Convert.ToString(value, CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal));
        Assert.Equal($"{label}: [{Show(expected)}]", $"{label}: [{Show(actual)}]");
    }

    private static string Cell(IDictionary<string, object?> row, string column) => Convert.ToString(row[column], CultureInfo.InvariantCulture) ?? "";

    private static async Task<T> GetAsync<T>(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Cancel);
        return await ReadOkAsync<T>(response, path);
    }

    private static async Task<T> ReadOkAsync<T>(HttpResponseMessage response, string label)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{label}: expected 200, got {(int)response.StatusCode}: {body}");
        return (await response.Content.ReadFromJsonAsync<T>(Cancel))!;
    }

    private static async Task<T> ReadCreatedAsync<T>(HttpResponseMessage response, string label)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{label}: expected 201, got {(int)response.StatusCode}: {body}");
        return (await response.Content.ReadFromJsonAsync<T>(Cancel))!;
    }

    private static async Task<string> NotFoundBodyAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Cancel);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Cancel);
    }

    /// <summary>
    /// A 404 problem that says nothing a 404 for an id that does not exist would not say: the same body but for the
    /// trace id, and nothing of the person.
    /// </summary>
    private static async Task AssertHiddenAsync(string label, HttpResponseMessage response, string unknownBody, Person person, params string[] secrets)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{label} on a person in {person.UnitCode}: expected 404, got {(int)response.StatusCode}: {body}");
        Assert.Equal(Comparable(unknownBody), Comparable(body));
        foreach (var secret in secrets.Append(person.Patient.Name).Append(person.Patient.IdNumber).Append(ResidentIdNumber.Mask(person.Patient.IdNumber)))
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
        }

        static string Comparable(string problem)
        {
            var json = JsonNode.Parse(problem)!.AsObject();
            json.Remove("traceId");
            return json.ToJsonString();
        }
    }

    private static async Task<List<IDictionary<string, object?>>> XlsxRowsAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        using var workbook = new MemoryStream(await response.Content.ReadAsByteArrayAsync(Cancel));
        return workbook.Query(useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
    }

    private Task<int> CountRegisteredAsync(string idNumber) =>
        App.WithDbAsync(db => db.Beneficiaries.CountAsync(beneficiary => beneficiary.IdNumber == idNumber, Cancel));

    private Task<Stored> StoredAsync(long id) =>
        App.WithDbAsync(async db =>
        {
            var beneficiary = await db.Beneficiaries.AsNoTracking().Include(candidate => candidate.Unit).Include(candidate => candidate.StatusHistory)
                .SingleAsync(candidate => candidate.Id == id, Cancel);
            var audited = await db.Set<AuditEntry>().CountAsync(entry => entry.BeneficiaryId == id, Cancel);
            return new Stored(beneficiary.Name, beneficiary.DivisionCode, beneficiary.Unit!.Code, beneficiary.StatusHistory.Count, audited);
        });

    /// <summary>The people whose unit lies under <paramref name="unitCode"/>, worked out here by walking up each unit's parents.</summary>
    private Task<HashSet<long>> PeopleUnderAsync(string unitCode) =>
        App.WithDbAsync(async db =>
        {
            var units = await db.Units.AsNoTracking().ToDictionaryAsync(unit => unit.Id, Cancel);
            var root = units.Values.Single(unit => unit.Code == unitCode).Id;
            var people = await db.Beneficiaries.AsNoTracking().Select(beneficiary => new { beneficiary.Id, beneficiary.UnitId }).ToListAsync(Cancel);
            return people.Where(person => IsUnder(units[person.UnitId], root, units)).Select(person => person.Id).ToHashSet();
        });

    private async Task<HashSet<Guid>> SettlementsUnderAsync(string unitCode)
    {
        var people = await PeopleUnderAsync(unitCode);
        var settlements = await App.WithDbAsync(db => db.Settlements.AsNoTracking().Select(settlement => new { settlement.Id, settlement.BeneficiaryId }).ToListAsync(Cancel));
        return settlements.Where(settlement => people.Contains(settlement.BeneficiaryId)).Select(settlement => settlement.Id).ToHashSet();
    }

    private static bool IsUnder(OrganisationUnit unit, long rootId, Dictionary<long, OrganisationUnit> units)
    {
        for (OrganisationUnit? current = unit; current is not null; current = current.ParentId is { } parent ? units[parent] : null)
        {
            if (current.Id == rootId)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<long[]> SearchIdsAsync(HttpClient client, string query) =>
        [.. (await GetAsync<Page<BeneficiaryListItem>>(client, $"{Beneficiaries}?{query}&pageSize=500")).Items.Select(item => item.Id)];
}
