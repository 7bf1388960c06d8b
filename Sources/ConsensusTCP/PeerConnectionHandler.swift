import ConsensusNetwork
import ConsensusWire
import Logging
import NIOCore

/// The last handler of a peer connection's pipeline (after
/// `ByteToMessageHandler(ConnectionFrameDecoder())`): it performs the actions of the connection's
/// ``OpeningStateMachine``, then hands the peer's messages to its owner, snapshots reassembled
/// by a ``SnapshotAssembler``. Anything it cannot use (a decoding error, a refusal, a frame out
/// of order) closes the connection with the reason logged; nothing from the network traps.
final class PeerConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ConnectionFrame
    typealias OutboundOut = ByteBuffer

    private var machine: OpeningStateMachine
    private var assembler: SnapshotAssembler
    private let events: ConnectionEvents
    private var logger: Logger
    private let openingTimeout: Duration
    private var timeout: Scheduled<Void>?
    /// Why the connection is closing, once this side knows.
    private var closeReason: String?

    init(
        machine: OpeningStateMachine, snapshotBytesMax: Int, openingTimeout: Duration,
        events: ConnectionEvents, logger: Logger
    ) {
        self.machine = machine
        self.assembler = SnapshotAssembler(snapshotBytesMax: snapshotBytesMax)
        self.openingTimeout = openingTimeout
        self.events = events
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        logger[metadataKey: "remote"] = "\(context.remoteAddress.map { "\($0)" } ?? "?")"
        if case .dialer(let expected) = machine.role { logger[metadataKey: "peer"] = "\(expected)" }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let timeoutAmount = openingTimeout
        timeout = context.eventLoop.scheduleTask(in: .nanoseconds(timeoutAmount.nanoseconds)) {
            let (handler, context) = bound.value
            handler.perform(handler.machine.timedOut(after: timeoutAmount), context: context)
        }
        perform(machine.start(), context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard machine.isEstablished, let peer = machine.peer, !machine.isClosed else {
            perform(machine.receive(frame), context: context)
            return
        }
        switch frame {
        case .peer(.message(let message)):
            events.received(peer, message)
        case .peer(.snapshotChunk(let chunk)):
            do throws(SnapshotAssemblyError) {
                if let message = try assembler.receive(chunk) { events.received(peer, .raft(message)) }
            } catch {
                logger.warning("dropped a snapshot chunk from \(peer): \(error)")
            }
        case .peer(.handshake), .opening:
            perform(machine.receive(frame), context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { events.writable() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason = (error as? PeerWireError)?.description ?? "\(error)"
        close(context: context, reason: "closing the connection: \(reason)", level: .warning)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        assembler.reset()
        events.closed(context.channel, closeReason ?? "the connection closed")
        context.fireChannelInactive()
    }

    private func perform(_ actions: [OpeningStateMachine.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let frame):
                write(frame, context: context)
            case .established(let peer):
                timeout?.cancel()
                timeout = nil
                logger[metadataKey: "peer"] = "\(peer)"
                logger.debug("connection established")
                events.established(peer, context.channel)
            case .refuse(let refusal):
                write(.opening(.refusal(refusal)), context: context)
                close(context: context, reason: "refused the peer: \(refusal)", level: .warning)
            case .refusedByPeer(let refusal):
                close(context: context, reason: "refused by the peer: \(refusal.sanitized)", level: .warning)
            }
        }
    }

    private func write(_ frame: ConnectionFrame, context: ChannelHandlerContext) {
        do throws(PeerWireError) {
            let bytes = try frame.encoded()
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        } catch {
            logger.error("cannot encode an opening frame: \(error)")
        }
    }

    private func close(context: ChannelHandlerContext, reason: String, level: Logger.Level) {
        guard closeReason == nil else { return }
        closeReason = reason
        logger.log(level: level, "\(reason)")
        context.close(promise: nil)
    }
}

extension PeerRefusal {
    /// The refusal as a peer sent it, with control characters replaced, for a log line.
    var sanitized: String {
        String(String.UnicodeScalarView(description.unicodeScalars.map {
            $0.properties.generalCategory == .control ? "?" : $0
        }))
    }
}

extension Duration {
    /// Whole nanoseconds (saturating), for NIO's `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
