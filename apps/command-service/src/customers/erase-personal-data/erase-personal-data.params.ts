import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

/** The route's path parameters; the same owner-id rules as opening an account. */
export class ErasePersonalDataParams {
  @ApiProperty({ description: 'The customer whose personal data is erased (the ownerId of its accounts)' })
  @IsString()
  @Length(1, 200)
  @Matches(/^[\x21-\x7e]+$/, { message: 'ownerId must be printable ASCII without spaces' })
  ownerId!: string;
}
