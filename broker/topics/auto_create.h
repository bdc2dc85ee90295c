#pragma once
// Creates a topic on first use (Metadata, Produce) with the broker's
// num.partitions, if auto.create.topics.enable allows it.
#include <string>

#include "broker/handlers/broker_context.h"
#include "storage/errc.h"

namespace fjord::broker {

// ok when created (or created concurrently by someone else); unknown_topic
// when auto-creation is disabled; otherwise the storage error.
storage::Errc auto_create_topic(BrokerContext& ctx, const std::string& name);

}  // namespace fjord::broker
