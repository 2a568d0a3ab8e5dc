import { randomBytes } from 'node:crypto';
import { TERMINAL_STREAM_MAX_TICKETS, TERMINAL_STREAM_TICKET_TTL_MS } from '../tuning.js';

/** What a ticket lets its holder open: one terminal's stream, as bytes or as strings. */
export interface StreamGrant {
  terminalId: string;
  binary: boolean;
}

interface Issued extends StreamGrant {
  expiresAt: number;
}

/**
 * Tickets for terminal streams (docs/protocol.md, "Terminal streams"). A client proves who it is
 * on its Socket.io connection, which asks for a ticket; the ticket opens one stream, once, within
 * seconds. So a stream URL in a log or a proxy's history opens nothing, and the stream needs no
 * token of its own.
 */
export class StreamTickets {
  /** In issue order, which is expiry order. */
  private readonly issued = new Map<string, Issued>();

  constructor(
    private readonly ttlMs = TERMINAL_STREAM_TICKET_TTL_MS,
    private readonly max = TERMINAL_STREAM_MAX_TICKETS,
    private readonly now: () => number = Date.now,
  ) {}

  issue(grant: StreamGrant): string {
    this.forgetExpired();
    if (this.issued.size >= this.max) {
      const oldest = this.issued.keys().next().value;
      if (oldest !== undefined) this.issued.delete(oldest);
    }
    const ticket = randomBytes(32).toString('base64url');
    this.issued.set(ticket, { ...grant, expiresAt: this.now() + this.ttlMs });
    return ticket;
  }

  /** The grant of a ticket that was issued, is unexpired and was never redeemed; null otherwise. */
  redeem(ticket: string | null): StreamGrant | null {
    if (!ticket) return null;
    const issued = this.issued.get(ticket);
    if (!issued) return null;
    this.issued.delete(ticket);
    if (issued.expiresAt <= this.now()) return null;
    return { terminalId: issued.terminalId, binary: issued.binary };
  }

  get outstanding(): number {
    this.forgetExpired();
    return this.issued.size;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [ticket, issued] of this.issued) {
      if (issued.expiresAt > now) break;
      this.issued.delete(ticket);
    }
  }
}
