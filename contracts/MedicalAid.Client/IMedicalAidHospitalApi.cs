using MedicalAid.Contracts;
using Refit;

namespace MedicalAid.Client;

/// <summary>
/// Every hospital-facing endpoint of MedicalAid (docs/design.md §5). Failures throw <see cref="MedicalAidProblemException"/>
/// carrying the problem's stable type. Register with <see cref="MedicalAidClientSetup.AddMedicalAidHospitalClient"/>.
/// </summary>
public interface IMedicalAidHospitalApi
{
    [Get("/api/v1/eligibility/{idNumber}")]
    Task<EligibilityResponse> GetEligibilityAsync(string idNumber, [Query, AliasAs("date")] DateOnly? onDate = null, CancellationToken cancellationToken = default);

    [Post("/api/v1/settlements/preview")]
    Task<SettlementCalculation> PreviewAsync([Body] SettlementRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Settle. Use one key per visit attempt and keep it for every retry of that attempt: the client's own retries
    /// resend it, and the API answers a repeat with the original settlement, so nothing is paid twice.
    /// </summary>
    [Post("/api/v1/settlements")]
    Task<IApiResponse<SettlementResponse>> SettleAsync(
        [Body] SettlementRequest request, [Header("Idempotency-Key")] string idempotencyKey, CancellationToken cancellationToken = default);

    [Get("/api/v1/settlements/{settlementId}")]
    Task<SettlementResponse> GetSettlementAsync(Guid settlementId, CancellationToken cancellationToken = default);

    [Get("/api/v1/settlements")]
    Task<IReadOnlyList<SettlementResponse>> FindSettlementsByVisitAsync([Query] string visitNumber, CancellationToken cancellationToken = default);

    [Post("/api/v1/settlements/{settlementId}/reversal")]
    Task<ReversalResponse> ReverseAsync(
        Guid settlementId, [Body] ReversalRequest request, [Header("Idempotency-Key")] string idempotencyKey, CancellationToken cancellationToken = default);

    [Post("/api/v1/settlements/reversal-by-request")]
    Task<ReversalByRequestResponse> ReverseByRequestAsync([Body] ReversalByRequest request, CancellationToken cancellationToken = default);

    [Get("/api/v1/reconciliation/daily")]
    Task<DailyTotals> GetDailyTotalsAsync([Query, AliasAs("date")] DateOnly day, CancellationToken cancellationToken = default);

    [Post("/api/v1/reconciliation/daily")]
    Task<DailyReconciliationResult> ReconcileDailyAsync([Body] HospitalDailyTotals totals, CancellationToken cancellationToken = default);

    [Post("/api/v1/reconciliation/detail")]
    Task<DetailReconciliationResult> ReconcileDetailAsync([Body] DetailReconciliationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Confirm receipt of one of this hospital's clearing statements (清算); acknowledging again answers the same.</summary>
    [Post("/api/v1/clearing-statements/{statementId}/acknowledgement")]
    Task<ClearingAcknowledgement> AcknowledgeClearingStatementAsync(Guid statementId, CancellationToken cancellationToken = default);
}
