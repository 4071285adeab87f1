using System.Globalization;
using MedicalAid.Contracts;
using MedicalAid.MockHospital.Driving;
using MedicalAid.MockHospital.Hospitals;
using MedicalAid.MockHospital.Reconciling;
using Spectre.Console;

namespace MedicalAid.MockHospital.Display;

/// <summary>The end of a run: per hospital, per channel, errors, latency, reconciliation and the mock systems' callbacks.</summary>
internal static class SummaryView
{
    private const int MaxDifferencesShown = 10;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Render(IAnsiConsole console, DriveReport report, IReadOnlyList<MockHospitalSystem>? mocks = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        var options = report.Options;
        console.Write(new Rule($"[bold]Summary[/] run {options.RunId}, seed {options.Seed}, service date {options.ServiceDate:yyyy-MM-dd}").LeftJustified());
        console.MarkupLine(Invariant, "{0} discharges planned over {1} hospitals in {2:0.0} s{3}; {4}",
            report.Plan.Count,
            options.Hospitals.Count,
            report.Elapsed.TotalSeconds,
            report.StoppedEarly ? " [yellow](stopped early)[/]" : "",
            Markup.Escape(PopulationLine(report)));
        console.Write(HospitalTable(report));
        console.Write(ChannelTable(report));
        if (report.Statistics.Errors.Count > 0)
        {
            console.Write(ErrorTable(report));
        }

        console.MarkupLine(Invariant, "Settlement latency (the client's own retries included): p50 {0} · p95 {1} · p99 {2}",
            Milliseconds(report.Statistics.SettlementLatencyMilliseconds(50)),
            Milliseconds(report.Statistics.SettlementLatencyMilliseconds(95)),
            Milliseconds(report.Statistics.SettlementLatencyMilliseconds(99)));
        var recovered = report.Statistics.Hospitals.Where(hospital => hospital.Value.Recovered > 0).OrderBy(hospital => hospital.Key, StringComparer.Ordinal).ToArray();
        if (recovered.Length > 0)
        {
            console.MarkupLine("Settled although the first answer was lost (got back by the client's retry or by looking the visit up): "
                + Markup.Escape(string.Join(", ", recovered.Select(hospital => $"{hospital.Key} {hospital.Value.Recovered}"))));
        }

        foreach (var day in report.Reconciliations.Where(day => !day.Matched))
        {
            console.Write(DifferencesOf(day));
            var visitNumbers = report.Plan.Select(visit => visit.Request.VisitNumber).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var outsideThisRun = day.Detail?.Items.Count(item => item.Match == DetailMatch.MissingOnTheirSide && !visitNumbers.Contains(item.VisitNumber)) ?? 0;
            if (outsideThisRun > 0)
            {
                console.MarkupLine(Invariant,
                    "[yellow]{0}: {1} settlements of that day were not made by this run (an earlier run on the same database?). Reconciliation covers the hospital's whole day; run on a fresh database, or with new hospitals, for an exact match.[/]",
                    Markup.Escape(day.HospitalCode), outsideThisRun);
            }
        }

        if (mocks is { Count: > 0 })
        {
            console.Write(CallbackTable(mocks));
        }

        var settled = report.Statistics.Total(counters => counters.Settled);
        console.MarkupLine(report.Clean
            ? $"[green]Clean: {settled} settlements, every hospital's every day reconciled exactly.[/]"
            : "[red]Not clean: see the errors and differences above.[/]");
    }

    private static string PopulationLine(DriveReport report) => report.Registration is { } registration
        ? string.Create(Invariant, $"a generated population of {report.Options.PopulationSize} ({registration.Registered} registered now, {registration.AlreadyRegistered} already registered{(registration.Errors.Count == 0 ? "" : ", " + string.Join(", ", registration.Errors.Select(error => $"{error.Key}: {error.Value}")))}).")
        : string.Create(Invariant, $"the {Population.Demo.Count} active demo beneficiaries.");

    private static Table HospitalTable(DriveReport report)
    {
        var table = new Table().Title("Hospitals").AddColumns(
            "Hospital", "Planned", "Settled", "Replays", "Reversals", "Errors", "Funds settled, net", "Totals (对总账)", "Detail (对明细账)");
        foreach (var (code, counters) in report.Statistics.Hospitals.OrderBy(hospital => hospital.Key, StringComparer.Ordinal))
        {
            var net = report.Books[code].ChannelSums().Values.Sum(sum => sum.Settled - sum.Reversed);
            var days = report.Reconciliations.Where(day => day.HospitalCode == code).ToArray();
            table.AddRow(
                Markup.Escape(code),
                Number(counters.Planned),
                Number(counters.Settled),
                Number(counters.Replayed),
                Number(counters.Reversed),
                counters.ErrorCount == 0 ? "0" : $"[red]{counters.ErrorCount}[/]",
                Yuan(net),
                Verdicts(days, DailyVerdict),
                Verdicts(days, DetailVerdict));
        }

        return AlignNumbers(table, 1, 6);
    }

    /// <summary>One line per reconciled day, dated only when there is more than one.</summary>
    private static string Verdicts(DayReconciliation[] days, Func<DayReconciliation, string> verdict) =>
        days.Length == 0 ? "[grey]nothing recorded[/]"
        : days.Length == 1 ? verdict(days[0])
        : string.Join(Environment.NewLine, days.Select(day => $"{day.Date:MM-dd} {verdict(day)}"));

    private static string DailyVerdict(DayReconciliation day) => day switch
    {
        { Error: { } error } => $"[red]{Markup.Escape(error)}[/]",
        { Daily.Status: ReconciliationStatus.Matched } => "[green]matched[/]",
        _ => $"[red]{day.Daily!.Differences.Count} figures differ[/]",
    };

    private static string DetailVerdict(DayReconciliation day) => day switch
    {
        { Error: { } error } => $"[red]{Markup.Escape(error)}[/]",
        { Detail.Status: ReconciliationStatus.Matched } => $"[green]{day.Detail!.Matched} matched[/]",
        _ => $"[red]{day.Detail!.Matched} matched, " + string.Join(", ", day.Detail.Items.GroupBy(item => item.Match).Select(group => $"{group.Count()} {WireName(group.Key)}")) + "[/]",
    };

    private static Table ChannelTable(DriveReport report)
    {
        var table = new Table().Title("Funds per channel, all hospitals").AddColumns("Channel", "Settled", "Reversed", "Net");
        var sums = report.Books.Values.Select(books => books.ChannelSums()).ToArray();
        foreach (var channel in Enum.GetValues<AssistanceChannel>())
        {
            var settled = sums.Sum(sum => sum[channel].Settled);
            var reversed = sums.Sum(sum => sum[channel].Reversed);
            table.AddRow(WireName(channel), Yuan(settled), Yuan(reversed), Yuan(settled - reversed));
        }

        var totalSettled = sums.Sum(sum => sum.Values.Sum(amounts => amounts.Settled));
        var totalReversed = sums.Sum(sum => sum.Values.Sum(amounts => amounts.Reversed));
        table.AddRow("[bold]all[/]", Yuan(totalSettled), Yuan(totalReversed), Yuan(totalSettled - totalReversed));
        return AlignNumbers(table, 1, 3);
    }

    private static Table ErrorTable(DriveReport report)
    {
        var table = new Table().Title("Errors by problem type").AddColumns("Problem type", "Count");
        foreach (var (kind, count) in report.Statistics.Errors.OrderByDescending(error => error.Value))
        {
            table.AddRow(Markup.Escape(kind), Number(count));
        }

        return table;
    }

    private static Table DifferencesOf(DayReconciliation day)
    {
        var table = new Table().Title($"{Markup.Escape(day.HospitalCode)} {day.Date:yyyy-MM-dd}: what differs").AddColumns("Figure or settlement", "Ours (MedicalAid)", "Theirs (hospital)");
        foreach (var difference in day.Daily?.Differences.Take(MaxDifferencesShown) ?? [])
        {
            var isCount = difference.Field.EndsWith(".count", StringComparison.Ordinal);
            table.AddRow(Markup.Escape(difference.Field), isCount ? Number((int)difference.Ours) : Yuan(difference.Ours), isCount ? Number((int)difference.Theirs) : Yuan(difference.Theirs));
        }

        foreach (var item in day.Detail?.Items.Take(MaxDifferencesShown) ?? [])
        {
            table.AddRow(
                Markup.Escape($"{item.VisitNumber} {item.SettlementId} ({WireName(item.Match)})"),
                item.Ours is { } ours ? Markup.Escape($"{WireName(ours.Status)} {ours.FundsSettled:N2}") : "—",
                item.Theirs is { } theirs ? Markup.Escape($"{WireName(theirs.Status)} {theirs.FundsSettled:N2}") : "—");
        }

        if (day.Error is { } error)
        {
            table.AddRow(Markup.Escape(error), "", "");
        }

        return table;
    }

    private static Table CallbackTable(IReadOnlyList<MockHospitalSystem> mocks)
    {
        var table = new Table().Title("Mock hospital systems (callbacks received)").AddColumns(
            "Hospital", "Callback base URL", "Stored", "Duplicates", "Errors injected", "Dropped", "Refused", "Bad signature");
        foreach (var mock in mocks)
        {
            table.AddRow(
                Markup.Escape(mock.HospitalCode),
                Markup.Escape(mock.Url.ToString()),
                Number(mock.Deliveries.Count),
                Number(mock.Count(DeliveryOutcome.Duplicate)),
                Number(mock.Count(DeliveryOutcome.Error)),
                Number(mock.Count(DeliveryOutcome.Dropped)),
                Number(mock.Count(DeliveryOutcome.Refused)),
                Number(mock.Count(DeliveryOutcome.Unauthenticated)));
        }

        return table;
    }

    private static string WireName<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        System.Text.Json.JsonSerializer.Serialize(value).Trim('"');

    private static Table AlignNumbers(Table table, int firstColumn, int lastColumn)
    {
        for (var column = firstColumn; column <= lastColumn; column++)
        {
            table.Columns[column].Alignment = Justify.Right;
        }

        return table;
    }

    private static string Number(int value) => value.ToString("N0", Invariant);

    private static string Yuan(decimal value) => value.ToString("N2", Invariant);

    private static string Milliseconds(double? value) => value is { } milliseconds ? milliseconds.ToString("0.0 'ms'", Invariant) : "—";
}
