#pragma once
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/api_spec.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_list_partition_reassignments(BrokerContext& ctx, Request req, Responder out);

// v0: flexible
inline constexpr ApiSpec kListPartitionReassignmentsApi{.key = 46,
                                                        .name = "ListPartitionReassignments",
                                                        .min = 0,
                                                        .max = 0,
                                                        .handle = handle_list_partition_reassignments};

}  // namespace fjord::broker
