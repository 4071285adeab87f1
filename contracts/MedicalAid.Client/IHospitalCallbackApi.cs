using MedicalAid.Contracts;
using Refit;

namespace MedicalAid.Client;

/// <summary>
/// What a hospital system implements to receive MedicalAid's callbacks, under its registered callback base URL.
/// Every call carries <c>X-MedicalAid-Delivery-Id</c>: a redelivery repeats the id, so the hospital can drop
/// duplicates. Answer 2xx once the delivery is stored; anything else is retried with backoff.
/// <para>
/// Every call is signed: <c>X-MedicalAid-Signature: t={unix seconds},v1={hex HMAC-SHA256 of "{t}." + body}</c>, keyed
/// with the hospital's callback secret (shown once when the hospital is registered or its secret rotated). Verify it
/// with <see cref="CallbackSignature.Verify(string?, ReadOnlySpan{byte}, string, DateTimeOffset, TimeSpan?)"/> over the
/// body's exact bytes before parsing them, and refuse (401) a delivery that is unsigned, wrongly signed or signed more
/// than 5 minutes from your clock.
/// </para>
/// </summary>
public interface IHospitalCallbackApi
{
    public const string DeliveryIdHeader = "X-MedicalAid-Delivery-Id";

    /// <summary>A monthly clearing statement (清算): what the assistance funds owe the hospital.</summary>
    [Post("/medicalaid/clearing-statements")]
    Task DeliverClearingStatementAsync(
        [Body] ClearingStatementNotice statement, [Header(DeliveryIdHeader)] string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Anything else the hospital should know (a settlement reversed by staff, a key about to be rotated …).</summary>
    [Post("/medicalaid/notifications")]
    Task NotifyAsync([Body] HospitalNotification notification, [Header(DeliveryIdHeader)] string deliveryId, CancellationToken cancellationToken = default);
}
