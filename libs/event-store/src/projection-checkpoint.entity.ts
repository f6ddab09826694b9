import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A projection's position in the global event order, stored with its read model. */
@Entity({ name: 'projection_checkpoints' })
export class ProjectionCheckpoint {
  @PrimaryColumn({ type: 'text' })
  projection!: string;

  /** bigint travels as a string through pg; kept as string to stay exact. */
  @Column({ type: 'bigint' })
  position!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
