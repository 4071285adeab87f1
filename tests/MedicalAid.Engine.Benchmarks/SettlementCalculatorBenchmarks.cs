using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Perfolizer.Metrology;

namespace MedicalAid.Engine.Benchmarks;

/// <summary>
/// SettlementCalculator.Calculate over a realistic mix of settlements under the demo policy: both visit types, every
/// category and hospital level, bills from a small outpatient visit to a long stay, with and without usage earlier in
/// the year. Each invocation settles every input once, so the reported time and allocation are per calculation.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BytesConfig))]
public class SettlementCalculatorBenchmarks
{
    private const int InputCount = 1024;

    private SettlementInput[] inputs = [];

    [GlobalSetup]
    public void Setup()
    {
        // A fixed seed, so every run measures the same mix.
#pragma warning disable CA5394 // Benchmark data, not security: a seeded pseudo-random generator is what is wanted.
        var random = new Random(20261128);
        var categories = DemoPolicy.Categories.Select(category => category.Code).ToArray();
        inputs = new SettlementInput[InputCount];
        for (var i = 0; i < inputs.Length; i++)
        {
            var visitType = random.Next(3) == 0 ? VisitType.Inpatient : VisitType.Outpatient;
            var total = visitType == VisitType.Inpatient
                ? random.NextInt64(100_000, 10_000_000)  // 1,000.00 to 100,000.00 yuan
                : random.NextInt64(1_000, 500_000);      // 10.00 to 5,000.00 yuan
            var scope = total * random.Next(70, 101) / 100;
            var insurance = scope * random.Next(30, 71) / 100;
            var basic = insurance * 8 / 10;
            var critical = (insurance - basic) / 2;
            var bill = new Bill(
                new Money(total), new Money(scope), new Money(basic), new Money(critical), new Money(insurance - basic - critical));

            var used = random.Next(2) == 0
                ? YearUsage.None
                : new YearUsage(
                    InsuranceSubsidy: new Money(random.Next(2) * 20_000),
                    OutpatientDeductible: Money.Zero,
                    InpatientDeductible: new Money(random.NextInt64(0, 1_000_000)),
                    Outpatient: new Money(random.NextInt64(0, 400_000)),
                    Inpatient: new Money(random.NextInt64(0, 6_000_000)),
                    Temporary: new Money(random.NextInt64(0, 300_000)),
                    Charity: new Money(random.NextInt64(0, 1_000_000)));

            inputs[i] = new SettlementInput(
                visitType,
                (HospitalLevel)random.Next(3),
                bill,
                categories[random.Next(categories.Length)],
                DemoPolicy.Version,
                used,
                DemoPolicy.OpeningFundBalances);
        }
#pragma warning restore CA5394
    }

    [Benchmark(OperationsPerInvoke = InputCount)]
    public long Calculate()
    {
        var patientPays = 0L;
        foreach (var input in inputs)
        {
            patientPays += SettlementCalculator.Calculate(input).PatientPays.Fen;
        }

        return patientPays;
    }
}

/// <summary>Reports allocations in bytes rather than rounded kilobytes.</summary>
public class BytesConfig : ManualConfig
{
    public BytesConfig() => SummaryStyle = SummaryStyle.Default.WithSizeUnit(SizeUnit.B);
}
