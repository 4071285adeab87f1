using Bunit;
using MedicalAid.Api.Audit;
using MedicalAid.Api.StaffConsole;
using MedicalAid.Api.StaffConsole.Components.Shared;
using MedicalAid.Contracts;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace MedicalAid.Console.Tests;

/// <summary>The console's components with logic of their own, rendered alone (bUnit), and the audit trail's field-by-field comparison.</summary>
public sealed class ComponentTests : IDisposable
{
    private readonly BunitContext context = new();

    public ComponentTests()
    {
        context.Services.AddMudServices();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Theory]
    [InlineData(500.00, 200.00, "¥200.00", "¥300.00", "40")]
    [InlineData(500.00, 500.00, "¥500.00", "¥0.00", "100")]
    [InlineData(0.00, 0.00, "¥0.00", "¥0.00", "100")]
    public void LimitBar_ShowsUsedLimitAndWhatRemains_AndItsShare(double limit, double used, string usedText, string remainingText, string share)
    {
        var status = new LimitStatus { Limit = (decimal)limit, Used = (decimal)used, Remaining = Math.Max(0, (decimal)limit - (decimal)used) };

        var bar = context.Render<LimitBar>(parameters => parameters
            .Add(component => component.Label, "住院救助年度限额")
            .Add(component => component.Limit, status)
            .Add(component => component.Key, "inpatient-cap")
            .AddCascadingValue(ConsoleText.Zh));

        Assert.Equal(usedText, bar.Find("[data-field=used]").TextContent);
        Assert.Equal(remainingText, bar.Find("[data-field=remaining]").TextContent);
        Assert.Equal(share, bar.Find("[role=progressbar]").GetAttribute("aria-valuenow"));
        Assert.Equal("limit-inpatient-cap", bar.Find("[role=progressbar]").GetAttribute("aria-labelledby"));
    }

    [Fact]
    public void SortButton_NamesItsOrder_AndAsksForTheOtherOrderOnItsColumn()
    {
        (string Column, string Order)? asked = null;
        var header = context.Render<SortButton>(parameters => parameters
            .Add(component => component.Label, "基金支付")
            .Add(component => component.Column, "fundsSettled")
            .Add(component => component.Sort, "fundsSettled")
            .Add(component => component.Order, "desc")
            .Add(component => component.OnSort, choice => asked = choice));

        Assert.Equal("descending", header.Find("th").GetAttribute("aria-sort"));
        header.Find("button").Click();
        Assert.Equal(("fundsSettled", "asc"), asked);
    }

    [Fact]
    public void SortButton_OnAnotherColumn_IsUnsorted_AndSortsDescendingFirst()
    {
        (string Column, string Order)? asked = null;
        var header = context.Render<SortButton>(parameters => parameters
            .Add(component => component.Label, "服务日期")
            .Add(component => component.Column, "serviceDate")
            .Add(component => component.Sort, "settledAt")
            .Add(component => component.Order, "asc")
            .Add(component => component.OnSort, choice => asked = choice));

        Assert.Equal("none", header.Find("th").GetAttribute("aria-sort"));
        header.Find("button").Click();
        Assert.Equal(("serviceDate", "desc"), asked);
    }

    [Fact]
    public void AuditDiff_ListsChangedFieldsFirst_WithNestedFieldsByPath()
    {
        var changes = AuditDiff.Compare(
            """{"name":"李秀英","divisionCode":"140109","unit":{"code":"140109001"},"roles":["operator"]}""",
            """{"name":"李秀英","divisionCode":"140109","unit":{"code":"140109002"},"roles":["operator","approver"]}""");

        Assert.Equal(
            [("roles", "operator", "operator, approver", true), ("unit.code", "140109001", "140109002", true), ("divisionCode", "140109", "140109", false), ("name", "李秀英", "李秀英", false)],
            changes.Select(change => (change.Field, change.Before, change.After, change.Changed)).ToArray());
    }

    [Fact]
    public void AuditDiff_OfACreation_ShowsEveryFieldAsNew_AndToleratesText()
    {
        var created = AuditDiff.Compare(null, """{"code":"H009","active":true}""");
        var legacy = AuditDiff.Compare("not json", null);

        Assert.Equal([("active", null, "true"), ("code", null, "H009")], created.Select(change => (change.Field, change.Before, change.After)).ToArray());
        Assert.Equal(("(value)", "not json", (string?)null), (legacy[0].Field, legacy[0].Before, legacy[0].After));
    }

    [Theory]
    [InlineData(1234.5, "¥1,234.50")]
    [InlineData(0, "¥0.00")]
    [InlineData(-20, "-¥20.00")]
    [InlineData(3000000, "¥3,000,000.00")]
    public void Money_IsWrittenAsStaffWriteIt(double yuan, string text) => Assert.Equal(text, ConsoleText.Money((decimal)yuan));

    [Fact]
    public void Times_AreShownInShanghai()
    {
        Assert.Equal("2026-11-29 12:00:00", ConsoleText.Time(new DateTimeOffset(2026, 11, 29, 4, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2026-11-28", ConsoleText.Date(new DateOnly(2026, 11, 28)));
    }

    [Fact]
    public void EveryCodeTheApiSpeaks_HasAChineseName()
    {
        var zh = ConsoleText.Zh;
        Assert.All(Enum.GetValues<AssistanceChannel>(), channel => Assert.DoesNotMatch("[a-z]", zh.Channel(channel)));
        Assert.All(Api.Demo.DemoSeeder.Beneficiaries.Select(person => person.Category).Distinct(), category => Assert.DoesNotMatch("[a-z]", zh.Category(category)));
        Assert.All(["NOT_ELIGIBLE_CATEGORY", "BELOW_THRESHOLD", "DEDUCTIBLE_APPLIED", "CAP_REACHED", "FUND_EXHAUSTED", "ALREADY_PAID_THIS_YEAR", "NOT_APPLICABLE_VISIT_TYPE"],
            reason => Assert.DoesNotMatch("[A-Z_]", zh.Reason(reason)));
        Assert.Equal("已达年度限额", zh.Reason("CAP_REACHED"));
    }

    public void Dispose() => context.Dispose();
}
