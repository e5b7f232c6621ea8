// Verdict: whether a stored record is in force, and if not, why — the same on every node.
//
// A record that passed the integrity check is stored and replicated whatever its verdict; a void
// record changes no state. The reason is machine-readable and stable (metrics labels, API, digest),
// so two nodes holding the same records report the same reasons.
#pragma once

#include <cstdint>
#include <string_view>

namespace govbus {

enum class VoidReason : uint8_t {
  kNone = 0,
  // Any record
  kAuthorForked,
  // Catalog (DESIGN §5)
  kCatalogNotByProvince,
  kPromisedExceedsTwoThirds,
  kCatalogRaisesLevel,
  kCatalogBadLevel,
  kCatalogItemExists,
  kUnknownItem,
  // Delegations and revocations
  kItemNotDelegable,
  kGranteeNotBelowAuthor,
  kGranteeNotEnrolled,
  kAuthorLacksAuthority,
  kParentUnknown,
  kParentNotSeen,
  kRedelegationNotAllowed,
  kPeriodOutsideParent,
  kParentVoid,
  kRevoked,
  kParentRevoked,
  kRevocationTargetUnknown,
  kRevokerNotGrantorOrAncestor,
  // Cases (DESIGN §6)
  kUnknownCase,
  kCaseAlreadyReceived,
  kNotTheHandler,
  kHandlerNotOnRegionPath,
  kReceiverNotUnderHandler,
  kIllegalTransition,
  kHandlerLacksAuthority,
  kDenialWithoutReason,
  kContradictsHaltOrder,
  kContradictsUnseenHaltOrder,
  // Supervision orders
  kOrderNotByAncestor,
  kOrderOnFinalCase,
  kOrderNothingToCorrect,
  kOrderLastSeenNotInCase,
  kOrderBadTransferTarget,
  // Complaints
  kComplaintDuplicate,
  kComplaintAgainstUnknownNode,
  kComplaintUnknown,
  kComplaintUpdateNotBySupervisor,
  // Trust records
  kCertificateNotByIssuer,
  kCertificateOutsideRegion,
  kKeyRevocationNotByAncestor,
  kForkReportInvalid,
  // Append new reasons here: the numbers are stored and hashed into the state digest.
  kNotTheNearestHolder,
  kCaseIdNotReceivers,
  // Working days and witnessed time (DESIGN §6)
  kCalendarNotByProvince,
  kSettingNotByProvince,
  kSettingUnknown,
  kSettingOutOfRange,
  kWitnessNotByAncestor,
  kCount,
};

std::string_view voidReasonName(VoidReason reason);

}  // namespace govbus
