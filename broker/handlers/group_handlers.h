#pragma once
// The group coordinator's APIs, one file each (join_group_handler.cpp, ...).
// Each decodes its request, runs on the group's coordinator shard
// (broker/coordinator/) and answers through the Responder, possibly later
// and from the coordinator's thread (JoinGroup and SyncGroup park).
#include "broker/dispatch/request.h"
#include "broker/dispatch/responder.h"
#include "broker/handlers/broker_context.h"

namespace fjord::broker {

void handle_join_group(BrokerContext& ctx, Request req, Responder out);
void handle_sync_group(BrokerContext& ctx, Request req, Responder out);
void handle_heartbeat(BrokerContext& ctx, Request req, Responder out);
void handle_leave_group(BrokerContext& ctx, Request req, Responder out);
void handle_offset_commit(BrokerContext& ctx, Request req, Responder out);
void handle_offset_fetch(BrokerContext& ctx, Request req, Responder out);
void handle_list_groups(BrokerContext& ctx, Request req, Responder out);
void handle_describe_groups(BrokerContext& ctx, Request req, Responder out);
void handle_delete_groups(BrokerContext& ctx, Request req, Responder out);
void handle_offset_delete(BrokerContext& ctx, Request req, Responder out);

}  // namespace fjord::broker
