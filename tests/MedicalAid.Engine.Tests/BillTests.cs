namespace MedicalAid.Engine.Tests;

/// <summary>docs/design.md §3's conditions on a bill: every amount ≥ 0, S ≤ T, I ≤ S — each one on its own.</summary>
public sealed class BillTests
{
    private const string NegativeMessage = "An amount must not be negative.";

    /// <summary>
    /// One insurance payment of −0.01 while the others make up I = 1.00 and S = T = 1.00, so the negative payment
    /// is the only thing wrong with the bill.
    /// </summary>
    [Theory]
    [InlineData(BillField.BasicInsurancePaid)]
    [InlineData(BillField.CriticalIllnessInsurancePaid)]
    [InlineData(BillField.OtherInsurancePaid)]
    public void IsSound_WhenOnlyOneInsurancePaymentIsNegative_IsFalseAndNamesThatPayment(BillField negativeField)
    {
        var negative = new Money(-1);
        var makeUp = new Money(101);
        var bill = negativeField switch
        {
            BillField.BasicInsurancePaid => new Bill(new Money(100), new Money(100), negative, makeUp, Money.Zero),
            BillField.CriticalIllnessInsurancePaid => new Bill(new Money(100), new Money(100), Money.Zero, negative, makeUp),
            _ => new Bill(new Money(100), new Money(100), makeUp, Money.Zero, negative),
        };
        Assert.Equal(new Money(100), bill.InsurancePaid);

        Assert.False(bill.IsSound);
        var problem = Assert.Single(bill.Validate());
        Assert.Equal(new BillProblem(negativeField, NegativeMessage), problem);
    }

    [Fact]
    public void Validate_WhenEveryAmountIsNegative_NamesEachFieldAndNothingElse()
    {
        var bill = new Bill(new Money(-5), new Money(-4), new Money(-3), new Money(-2), new Money(-1));

        var problems = bill.Validate();

        Assert.False(bill.IsSound);
        Assert.Equal(
            [
                new BillProblem(BillField.Total, NegativeMessage),
                new BillProblem(BillField.PolicyScope, NegativeMessage),
                new BillProblem(BillField.BasicInsurancePaid, NegativeMessage),
                new BillProblem(BillField.CriticalIllnessInsurancePaid, NegativeMessage),
                new BillProblem(BillField.OtherInsurancePaid, NegativeMessage),
            ],
            problems);
    }

    [Fact]
    public void Validate_WhenTotalIsNegative_ReportsOnlyTheNegativeAmountNotTheOrderingItBreaks()
    {
        // T = −0.01 < S = 0 also breaks S ≤ T, but a negative amount is reported alone: the ordering is meaningless then.
        var bill = new Bill(new Money(-1), Money.Zero, Money.Zero, Money.Zero, Money.Zero);

        Assert.Equal([new BillProblem(BillField.Total, NegativeMessage)], bill.Validate());
    }

    [Fact]
    public void Validate_WhenScopeExceedsTotalAndInsuranceExceedsScope_NamesBoth()
    {
        var bill = new Bill(new Money(100), new Money(200), new Money(300), Money.Zero, Money.Zero);

        Assert.False(bill.IsSound);
        Assert.Equal(
            [
                new BillProblem(BillField.PolicyScope, "The policy-scope cost must not exceed the total cost."),
                new BillProblem(
                    BillField.InsurancePaid,
                    "Insurance paid (basic + critical-illness + other) must not exceed the policy-scope cost."),
            ],
            bill.Validate());
    }

    [Fact]
    public void Validate_WhenScopeEqualsTotalAndInsuranceEqualsScope_IsSound()
    {
        // Everything within the policy scope and insurance paid all of it: T = S = I = 500.00.
        var bill = new Bill(new Money(50_000), new Money(50_000), new Money(30_000), new Money(15_000), new Money(5_000));

        Assert.True(bill.IsSound);
        Assert.Empty(bill.Validate());
    }
}
